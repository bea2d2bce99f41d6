package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * A weight matrix in one {@link Format}, multiplying row-major batches: {@code y[b][out] = x[b][in] . W}
 * for a Keras kernel {@code W [in, out]}. Immutable once built; safe to share between threads.
 */
public abstract class WeightMatrix implements AutoCloseable {
  /** Rows multiplied per pass of the batched kernels (a multiple of every vector length). */
  static final int CHUNK_ROWS = 64;

  final int in;
  final int out;

  WeightMatrix(int in, int out) {
    this.in = in;
    this.out = out;
  }

  public int inputs() {
    return in;
  }

  public int outputs() {
    return out;
  }

  public abstract Format format();

  /** Bytes of the arrays this matrix holds (its heap footprint, headers excluded). */
  public abstract long bytes();

  /** The Keras kernel {@code [in, out]} row-major, as it would multiply (int8 values dequantized). */
  public abstract float[] toKernel();

  /** Rows of the single-example kernel (groups for 1x4 blocks). */
  abstract int kernelRows();

  /** Columns the input must be padded to (a multiple of 4 for 4x1 blocks and 2:4). */
  public int paddedInputs() {
    return in;
  }

  /** Outputs the kernel writes (4 x groups for 1x4 blocks). */
  public int paddedOutputs() {
    return out;
  }

  abstract void single(Exec exec, float[] x, float[] y, int from, int to);

  abstract void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to);

  /** True if batches multiply row-major through {@link #rows} (no transposes; small dense matrices). */
  boolean rowMajorBatches() {
    return false;
  }

  /** Examples {@code from..to} of a row-major batch; only when {@link #rowMajorBatches}. */
  void rows(Exec exec, float[] x, float[] y, int from, int to) {
    throw new UnsupportedOperationException();
  }

  /**
   * The product on a batch already transposed, on the calling thread: {@code xT [paddedInputs()][bp]}
   * (rows past {@link #inputs()} zero) into {@code yT [paddedOutputs()][bp]}, {@code bp} a multiple of the
   * kernels' lanes. For loops that keep their state transposed from step to step (recurrent cells), where
   * {@link #multiply} would transpose twice per step.
   */
  public final void multiplyTransposed(Exec exec, float[] xT, int bp, float[] yT) {
    batched(exec, xT, bp, yT, 0, kernelRows());
  }

  /**
   * {@code y = x . W} for {@code batch} examples, {@code x [batch][in]}, {@code y [batch][out]} row-major,
   * output rows split over the executor's threads.
   */
  public void multiply(Exec exec, float[] x, int batch, float[] y) {
    int rows = kernelRows();
    int pin = paddedInputs();
    int pout = paddedOutputs();
    // Work per row, to decide whether threads pay off: the stored entries per row.
    long work = Math.max(1, bytes() / 4 / Math.max(1, rows)) * batch;
    if (batch == 1) {
      float[] xs = x;
      if (pin != in || x.length != in) {
        xs = new float[pin];
        System.arraycopy(x, 0, xs, 0, in);
      }
      float[] ys = pout == out ? y : new float[pout];
      float[] xf = xs;
      exec.forRows(rows, work, (from, to) -> single(exec, xf, ys, from, to));
      if (ys != y) {
        System.arraycopy(ys, 0, y, 0, out);
      }
      return;
    }
    if (rowMajorBatches()) {
      exec.forRows(batch, work, (from, to) -> rows(exec, x, y, from, to));
      return;
    }
    // Large row counts (time steps x batch, conv pixels) go in chunks, so that the transposed blocks stay in
    // cache: a whole-batch transpose of thousands of rows strides through memory.
    for (int first = 0; first < batch; first += CHUNK_ROWS) {
      int n = Math.min(CHUNK_ROWS, batch - first);
      int bp = exec.paddedBatch(n);
      float[] xT = new float[pin * bp];
      transpose(x, first * in, in, n, xT, bp);
      float[] yT = new float[pout * bp];
      exec.forRows(rows, work / batch * n, (from, to) -> batched(exec, xT, bp, yT, from, to));
      untranspose(yT, bp, y, first * out, out, n);
    }
  }

  /** Columns per tile of the transposes: one cache line of a row. */
  private static final int TILE = 16;

  /**
   * {@code xT[i][b] = x[off + b cols + i]} for {@code n} rows, in tiles of 16 columns: each row's tile is one
   * cache line read, and the 16 lines written per row stay in L1. Neither plain loop order works: rows
   * outer write a new line of xT per element, columns outer read lines one row apart (a power-of-two stride
   * for 4096 inputs, all in one cache set).
   */
  static void transpose(float[] x, int off, int cols, int n, float[] xT, int bp) {
    for (int i0 = 0; i0 < cols; i0 += TILE) {
      int i1 = Math.min(cols, i0 + TILE);
      for (int b = 0; b < n; b++) {
        int o = off + b * cols;
        for (int i = i0; i < i1; i++) {
          xT[i * bp + b] = x[o + i];
        }
      }
    }
  }

  /** The inverse of {@link #transpose}: {@code y[off + b cols + j] = yT[j][b]}. */
  static void untranspose(float[] yT, int bp, float[] y, int off, int cols, int n) {
    for (int j0 = 0; j0 < cols; j0 += TILE) {
      int j1 = Math.min(cols, j0 + TILE);
      for (int b = 0; b < n; b++) {
        int o = off + b * cols;
        for (int j = j0; j < j1; j++) {
          y[o + j] = yT[j * bp + b];
        }
      }
    }
  }

  /** Releases native resources ({@link Format#TF_DENSE}); other formats hold heap arrays only. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return format() + " " + in + "x" + out;
  }
}
