package dev.topiary.sparse.exec;

import java.util.Arrays;

/**
 * A batch of values between layers: {@code data} row-major {@code [batch, shape...]}, and for sequences
 * after a masking Embedding a mask {@code [batch, steps]} (true = a real step), else null.
 */
public record Value(float[] data, int batch, int[] shape, boolean @org.jspecify.annotations.Nullable [] mask) {
  public Value(float[] data, int batch, int[] shape) {
    this(data, batch, shape, null);
  }

  /** Values per example. */
  public int exampleSize() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  public Value withMask(boolean @org.jspecify.annotations.Nullable [] mask) {
    return new Value(data, batch, shape, mask);
  }

  @Override
  public String toString() {
    return "batch " + batch + " x " + Arrays.toString(shape);
  }
}
