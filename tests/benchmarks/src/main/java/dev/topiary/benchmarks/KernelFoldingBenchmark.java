package dev.topiary.benchmarks;

import dev.topiary.sparse.kernel.KernelPath;
import dev.topiary.sparse.kernel.Kernels;
import java.util.Arrays;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Issue 25, item 7: is the hand-unrolled register tiling of {@code VectorKernels} worth its repetition?
 * The batched dense kernel ({@code denseT}) is timed against the same tiles written once, as loops over
 * arrays of accumulators ({@code FloatVector[8]} and {@code [16]}), which C2 may unroll and keep in
 * registers (escape analysis) or not. Interleaved rounds in one JVM, median per call; run it at every
 * vector width:
 *
 * <pre>
 * (cd tests/benchmarks &amp;&amp; java --add-modules jdk.incubator.vector -cp "$(cat target/benchmarks.classpath):target/classes" \
 *     dev.topiary.benchmarks.KernelFoldingBenchmark)
 * ... the same with -XX:MaxVectorSize=16 (128 bits) and, on AVX-512 machines, -XX:UseAVX=2 (256 bits)
 * </pre>
 */
public final class KernelFoldingBenchmark {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private KernelFoldingBenchmark() {}

  public static void main(String[] args) {
    int rows = 512;
    int cols = 512;
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    Kernels unrolled = KernelPath.VECTOR.kernels();
    Random r = new Random(1);
    float[] w = new float[rows * cols];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextFloat() - 0.5f;
    }
    System.out.println("kernels " + unrolled.name() + ", " + L + " lanes; dense " + rows + " x " + cols
        + "; median of " + rounds + " interleaved rounds");
    for (int bp : new int[] {L, 4 * L}) {
      float[] xT = new float[cols * bp];
      for (int i = 0; i < xT.length; i++) {
        xT[i] = r.nextFloat();
      }
      float[] a = new float[rows * bp];
      float[] b = new float[rows * bp];
      unrolled.denseT(w, cols, xT, bp, a, 0, rows);
      folded(w, cols, xT, bp, b, 0, rows);
      if (!Arrays.equals(a, b)) {
        throw new AssertionError("the folded kernel computes something else at batch " + bp);
      }
      int calls = Math.max(20, 4_000_000 / (rows * cols / 64 * bp / L));
      double[] tu = new double[rounds];
      double[] tf = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        long t0 = System.nanoTime();
        for (int c = 0; c < calls; c++) {
          unrolled.denseT(w, cols, xT, bp, a, 0, rows);
        }
        long t1 = System.nanoTime();
        for (int c = 0; c < calls; c++) {
          folded(w, cols, xT, bp, b, 0, rows);
        }
        long t2 = System.nanoTime();
        tu[round] = (t1 - t0) / 1e3 / calls;
        tf[round] = (t2 - t1) / 1e3 / calls;
      }
      double mu = median(tu);
      double mf = median(tf);
      System.out.printf("batch %3d: unrolled %8.1f us, folded %8.1f us, folded/unrolled %.2f%n", bp, mu, mf, mf / mu);
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** The tiles of {@code VectorKernels.denseT} written once: 8 rows x (1 or 2) vectors of examples. */
  static void folded(float[] w, int cols, float[] xT, int bp, float[] yT, int from, int to) {
    int pairs = bp % (2 * L) == 0 ? 2 : 1;
    FloatVector[] acc = new FloatVector[8 * pairs];
    int j = from;
    for (int c = 0; c < bp; c += pairs * L) {
      for (j = from; j + 8 <= to; j += 8) {
        Arrays.fill(acc, FloatVector.zero(S));
        int b0 = j * cols;
        for (int i = 0; i < cols; i++) {
          for (int p = 0; p < pairs; p++) {
            FloatVector x = FloatVector.fromArray(S, xT, i * bp + c + p * L);
            for (int k = 0; k < 8; k++) {
              acc[k * pairs + p] = FloatVector.broadcast(S, w[b0 + k * cols + i]).fma(x, acc[k * pairs + p]);
            }
          }
        }
        for (int k = 0; k < 8; k++) {
          for (int p = 0; p < pairs; p++) {
            acc[k * pairs + p].intoArray(yT, (j + k) * bp + c + p * L);
          }
        }
      }
    }
    if (j < to) {
      throw new IllegalArgumentException("rows must be a multiple of 8 here");
    }
  }
}
