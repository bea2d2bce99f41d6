package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * A weight matrix in one {@link Format}, multiplying row-major batches: {@code y[b][out] = x[b][in] . W}
 * for a Keras kernel {@code W [in, out]}. Immutable once built; safe to share between threads.
 */
public abstract class WeightMatrix {
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
  int paddedInputs() {
    return in;
  }

  /** Outputs the kernel writes (4 x groups for 1x4 blocks). */
  int paddedOutputs() {
    return out;
  }

  abstract void single(Exec exec, float[] x, float[] y, int from, int to);

  abstract void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to);

  /**
   * {@code y = x . W} for {@code batch} examples, {@code x [batch][in]}, {@code y [batch][out]} row-major,
   * output rows split over the executor's threads.
   */
  public final void multiply(Exec exec, float[] x, int batch, float[] y) {
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
    int bp = exec.paddedBatch(batch);
    float[] xT = new float[pin * bp];
    for (int b = 0; b < batch; b++) {
      int xo = b * in;
      for (int i = 0; i < in; i++) {
        xT[i * bp + b] = x[xo + i];
      }
    }
    float[] yT = new float[pout * bp];
    exec.forRows(rows, work, (from, to) -> batched(exec, xT, bp, yT, from, to));
    for (int b = 0; b < batch; b++) {
      int yo = b * out;
      for (int j = 0; j < out; j++) {
        y[yo + j] = yT[j * bp + b];
      }
    }
  }

  @Override
  public String toString() {
    return format() + " " + in + "x" + out;
  }
}
