package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * One kernel in two formats, for its two uses in a recurrence: one example (row-major, {@link #multiply})
 * and a transposed batch share ({@link #multiplyTransposed}). In a small recurrent kernel the best format
 * differs between them: at 90 % zeros a 32 x 128 kernel is fastest dense for one example (the CSR rows of
 * ~3 non-zeros cost more than 32 x 128 multiply-adds in vectors) and as CSR on 32 examples (each non-zero
 * scales a vector of examples). Both matrices are small; their bytes add up.
 */
public final class StepMatrix extends WeightMatrix {
  private final WeightMatrix one;
  private final WeightMatrix shares;

  public StepMatrix(WeightMatrix one, WeightMatrix shares) {
    super(one.inputs(), one.outputs());
    if (shares.inputs() != in || shares.outputs() != out) {
      throw new IllegalArgumentException("matrices of different shapes: " + one + ", " + shares);
    }
    this.one = one;
    this.shares = shares;
  }

  /** The matrix for one example. */
  public WeightMatrix one() {
    return one;
  }

  /** The matrix for transposed batch shares. */
  public WeightMatrix shares() {
    return shares;
  }

  /** The format of the batch shares' matrix (the one example's: {@link #one()}). */
  @Override
  public Format format() {
    return shares.format();
  }

  @Override
  public long bytes() {
    return one.bytes() + shares.bytes();
  }

  @Override
  public float[] toKernel() {
    return shares.toKernel();
  }

  @Override
  int kernelRows() {
    return shares.kernelRows();
  }

  @Override
  public int paddedInputs() {
    return shares.paddedInputs();
  }

  @Override
  public int paddedOutputs() {
    return shares.paddedOutputs();
  }

  @Override
  void single(Exec exec, float[] x, float[] y, int from, int to) {
    throw new IllegalStateException("not reached: multiply delegates");
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    shares.batched(exec, xT, bp, yT, from, to);
  }

  @Override
  public void multiply(Exec exec, float[] x, int batch, float[] y) {
    one.multiply(exec, x, batch, y);
  }

  @Override
  public void close() {
    one.close();
    shares.close();
  }

  @Override
  public String toString() {
    return one.format() + " (one example) / " + shares.format() + " (batch shares) " + in + "x" + out;
  }
}
