package dev.topiary.ops.mask;

import java.util.Arrays;

/**
 * A mask computed in plain Java: {@code mask[i]} is 1 to keep weight {@code i} (row-major), 0 to prune
 * it; {@code threshold} is the magnitude the mask was cut at (0 for m-by-n masks, which have none).
 */
public record HostMask(float[] mask, long[] shape, float threshold) {

  public HostMask {
    mask = mask.clone();
    shape = shape.clone();
  }

  @Override
  public float[] mask() {
    return mask.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of weights the mask keeps. */
  public int keptCount() {
    int kept = 0;
    for (float m : mask) {
      if (m != 0f) {
        kept++;
      }
    }
    return kept;
  }

  /** Fraction of weights the mask prunes. */
  public double sparsity() {
    return mask.length == 0 ? 0.0 : 1.0 - (double) keptCount() / mask.length;
  }

  /** {@code weights * mask}, element-wise: the pruned weights. */
  public float[] apply(float[] weights) {
    if (weights.length != mask.length) {
      throw new IllegalArgumentException(
          "weights have " + weights.length + " elements but the mask has " + mask.length);
    }
    float[] out = new float[weights.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = weights[i] * mask[i];
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostMask other
        && Arrays.equals(mask, other.mask)
        && Arrays.equals(shape, other.shape)
        && Float.compare(threshold, other.threshold) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(mask) + Arrays.hashCode(shape)) + Float.hashCode(threshold);
  }

  @Override
  public String toString() {
    return "HostMask(shape=" + Arrays.toString(shape) + ", kept=" + keptCount() + "/" + mask.length
        + ", threshold=" + threshold + ")";
  }
}
