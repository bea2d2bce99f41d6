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
      Lanes.toLanes(x, first * in, in, in, n, xT, bp);
      float[] yT = new float[pout * bp];
      exec.forRows(rows, work / batch * n, (from, to) -> batched(exec, xT, bp, yT, from, to));
      Lanes.fromLanes(yT, bp, y, first * out, out, out, n);
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
