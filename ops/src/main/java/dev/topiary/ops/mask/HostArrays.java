package dev.topiary.ops.mask;

import java.util.Arrays;

/** Argument checks and small helpers shared by the plain-Java mask computations. */
final class HostArrays {
  private HostArrays() {}

  static void check(float[] weights, long[] shape, float sparsity) {
    long size = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      size *= d;
    }
    if (size != weights.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + size + " values but " + weights.length + " were given");
    }
    if (!(sparsity >= 0f && sparsity < 1f)) {
      throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
    }
  }

  static float[] abs(float[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.abs(values[i]);
    }
    return out;
  }


  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
