package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Builds weight matrices, reads a kernel's sparsity pattern and times formats against each other. */
public final class Matrices {
  private Matrices() {}

  /** What a kernel {@code [in, out]} looks like: its zeros, how well blocks fit, whether it is 2:4. */
  public record Pattern(int in, int out, long nonZeros, double blockFill1x4, double blockFill4x1, boolean twoFour) {
    public double sparsity() {
      return 1 - (double) nonZeros / ((long) in * out);
    }

    public static Pattern of(float[] kernel, int in, int out) {
      long nnz = 0;
      long rowBlocks = 0;
      long colBlocks = 0;
      for (int i = 0; i < in; i++) {
        for (int j = 0; j < out; j++) {
          if (kernel[i * out + j] != 0f) {
            nnz++;
            // count a block once, at its first non-zero in row-major order
            if (!seenBefore(kernel, in, out, i, j, true)) {
              rowBlocks++;
            }
            if (!seenBefore(kernel, in, out, i, j, false)) {
              colBlocks++;
            }
          }
        }
      }
      double fill14 = rowBlocks == 0 ? 1 : nnz / (4.0 * rowBlocks);
      double fill41 = colBlocks == 0 ? 1 : nnz / (4.0 * colBlocks);
      return new Pattern(in, out, nnz, fill14, fill41, TwoFourMatrix.fits(kernel, in, out));
    }

    /** Whether an earlier element of the 1x4 (along out) or 4x1 (along in) block of (i, j) is non-zero. */
    private static boolean seenBefore(float[] kernel, int in, int out, int i, int j, boolean alongOut) {
      if (alongOut) {
        for (int jj = j / 4 * 4; jj < j; jj++) {
          if (kernel[i * out + jj] != 0f) {
            return true;
          }
        }
      } else {
        for (int ii = i / 4 * 4; ii < i; ii++) {
          if (kernel[ii * out + j] != 0f) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /**
   * {@code kernel [in, out]} (Keras layout, row-major) in {@code format}.
   *
   * @throws IllegalArgumentException naming {@code name} if the kernel does not fit the format (2:4)
   */
  public static WeightMatrix build(Format format, float[] kernel, int in, int out, String name) {
    if ((long) in * out != kernel.length) {
      throw new IllegalArgumentException(name + ": kernel holds " + kernel.length + " values, not " + in + " x " + out);
    }
    return switch (format) {
      case DENSE -> new DenseMatrix(kernel, in, out);
      case CSR -> new CsrMatrix(kernel, in, out);
      case CSR_INT8 -> new CsrInt8Matrix(kernel, in, out);
      case BLOCK_1X4 -> new RowBlockMatrix(kernel, in, out);
      case BLOCK_4X1 -> new ColBlockMatrix(kernel, in, out);
      case TWO_FOUR -> new TwoFourMatrix(kernel, in, out, name);
      case TF_DENSE -> new TfDenseMatrix(kernel, in, out);
    };
  }

  /**
   * The formats worth timing for this pattern: dense always; CSR above 50 % zeros; blocks when at least
   * half of every stored block is non-zero and they store under 3/4 of dense (values plus a quarter
   * index); 2:4 when it fits; int8 only when asked (it is lossy).
   */
  public static List<Format> candidates(Pattern p, boolean int8) {
    List<Format> out = new ArrayList<>(List.of(Format.DENSE));
    // a sparse format larger than dense cannot win where it matters (memory-bound batch 1)
    if (p.sparsity() > 0.5) {
      out.add(Format.CSR);
    }
    if (p.blockFill1x4() >= 0.5 && 1 - p.sparsity() < 0.75 * p.blockFill1x4()) {
      out.add(Format.BLOCK_1X4);
    }
    if (p.blockFill4x1() >= 0.5 && 1 - p.sparsity() < 0.75 * p.blockFill4x1()) {
      out.add(Format.BLOCK_4X1);
    }
    if (p.twoFour()) {
      out.add(Format.TWO_FOUR);
    }
    if (int8) {
      out.add(Format.CSR_INT8);
    }
    return out;
  }

  /**
   * The format without calibration: full 1x4 / 4x1 blocks, else CSR from 70 % zeros, else dense (see the
   * README's table for where these lines come from).
   */
  public static Format heuristic(Pattern p, boolean int8) {
    if (p.sparsity() < 0.7) {
      return Format.DENSE;
    }
    if (p.blockFill1x4() >= 0.9) {
      return Format.BLOCK_1X4;
    }
    if (p.blockFill4x1() >= 0.9) {
      return Format.BLOCK_4X1;
    }
    return int8 ? Format.CSR_INT8 : Format.CSR;
  }

  /**
   * The best time in nanoseconds of each matrix multiplying a random batch of each row count, measured
   * interleaved (round after round, every matrix and batch once per round) so that load from other
   * processes hits all candidates alike: , then rounds until
   * {@code budgetNanos} are spent (at most 50).
   */
  public static long[][] bestTimes(List<WeightMatrix> matrices, Exec exec, int[] rows, long budgetNanos) {
    return bestTimes(matrices, exec, rows, false, budgetNanos);
  }

  /**
   * As {@link #bestTimes(List, Exec, int[], long)}; with {@code transposed}, row counts above 1 time
   * {@link WeightMatrix#multiplyTransposed} on that many examples (padded to the lanes) instead of
   * {@link WeightMatrix#multiply}: the product a transposed recurrence runs each step.
   */
  public static long[][] bestTimes(List<WeightMatrix> matrices, Exec exec, int[] rows, boolean transposed,
      long budgetNanos) {
    int in = matrices.get(0).inputs();
    int out = matrices.get(0).outputs();
    float[][] x = new float[rows.length][];
    float[][] y = new float[rows.length][];
    for (int b = 0; b < rows.length; b++) {
      SplittableRandom random = new SplittableRandom(rows[b] * 31L + in);
      // transposed: room for every candidate's padded inputs and outputs (at most 3 more than in / out)
      int n = transposed && rows[b] > 1 ? exec.paddedBatch(rows[b]) : rows[b];
      x[b] = new float[(in + 3) * n];
      for (int i = 0; i < in * n; i++) {
        x[b][i] = (float) random.nextDouble(-1, 1);
      }
      y[b] = new float[(out + 3) * n];
    }
    long[][] best = new long[matrices.size()][rows.length];
    for (long[] row : best) {
      java.util.Arrays.fill(row, Long.MAX_VALUE);
    }
    long spent = 0;
    int lastImprovement = 0;
    for (int round = -2; round < 200; round++) {
      for (int m = 0; m < matrices.size(); m++) {
        for (int b = 0; b < rows.length; b++) {
          long t0 = System.nanoTime();
          if (transposed && rows[b] > 1) {
            matrices.get(m).multiplyTransposed(exec, x[b], exec.paddedBatch(rows[b]), y[b]);
          } else {
            matrices.get(m).multiply(exec, x[b], rows[b], y[b]);
          }
          long t = System.nanoTime() - t0;
          spent += t;
          if (round >= 0 && t < best[m][b] * 0.9) {
            lastImprovement = round;
          }
          if (round >= 0) {
            best[m][b] = Math.min(best[m][b], t);
          }
        }
      }
      // until the best times have settled (code still being compiled shows as improvement) or time is up
      boolean settled = round >= 4 && round - lastImprovement >= 3;
      // (at least three timed rounds: a candidate whose first runs are slow, as TF's first session run,
      // must not end the timing before any round counted, which left every ratio at 1 and kept dense)
      if (round >= 2 && (settled && spent >= budgetNanos || spent >= 8 * budgetNanos)) {
        break;
      }
    }
    return best;
  }
}
