package dev.topiary.ops.mask;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The reference's per-tensor magnitude rule, once in Java and once as ops: keep
 * {@code k = max(round_half_even(float32(N) * (1 - s)), 1)} weights, cut at the k-th largest
 * magnitude {@code t}, keep every {@code |w| >= t} (ties with t all survive).
 *
 * <p>The op version finds t without sorting: for non-negative float32 values the int32 bit pattern
 * orders like the value, so a radix selection over bit patterns lands exactly on the k-th largest
 * magnitude (NaN patterns sort above +infinity).
 */
final class MagnitudeRules {
  private static final int HALF_BITS = 16;
  /** Non-negative int32 values have 15 high bits above the low 16. */
  private static final int HIGH_BUCKETS = 1 << 15;
  private static final int LOW_MASK = (1 << HALF_BITS) - 1;

  private MagnitudeRules() {}

  static int keepCount(int size, float sparsity) {
    return (int) MaskStrategy.keepCount(size, sparsity);
  }

  /** Mask and threshold of {@code magnitudes} (all >= 0) in Java. */
  static HostMask host(float[] magnitudes, long[] shape, float sparsity) {
    if (magnitudes.length == 0) {
      return new HostMask(new float[0], shape, 0f);
    }
    int k = keepCount(magnitudes.length, sparsity);
    float[] sorted = magnitudes.clone();
    java.util.Arrays.sort(sorted);
    float threshold = sorted[sorted.length - Math.min(k, sorted.length)];
    float[] mask = new float[magnitudes.length];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = magnitudes[i] >= threshold ? 1f : 0f;
    }
    return new HostMask(mask, shape, threshold);
  }

  /** Mask and threshold of {@code magnitudes} (all >= 0) as ops. */
  static MaskResult ops(Ops tf, Operand<TFloat32> magnitudes, Operand<TFloat32> sparsity) {
    Operand<TFloat32> size = tf.dtypes.cast(tf.size(magnitudes), TFloat32.class);
    Operand<TFloat32> keptReal = tf.math.mul(size, tf.math.sub(tf.constant(1f), sparsity));
    Operand<TInt32> k =
        tf.math.maximum(tf.dtypes.cast(tf.math.round(keptReal), TInt32.class), tf.constant(1));
    Operand<TInt32> bits = tf.bitcast(magnitudes, TInt32.class);
    Operand<TInt32> thresholdBits = kthLargest(tf, bits, k);
    Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greaterEqual(bits, thresholdBits), TFloat32.class);
    return new MaskResult(mask, tf.bitcast(thresholdBits, TFloat32.class));
  }

  /**
   * The k-th largest of non-negative int32 {@code bits}: the largest t with count(bits >= t) >= k.
   *
   * <p>Two-pass radix selection instead of a sort: a histogram of the high 16 bits finds the bucket
   * holding the k-th largest, then a histogram of the low 16 bits of that bucket's members finds it
   * exactly. Four linear passes over the data, none of them a sort.
   */
  private static Operand<TInt32> kthLargest(Ops tf, Operand<TInt32> bits, Operand<TInt32> k) {
    Operand<TInt32> flat = tf.reshape(bits, tf.constant(new int[] {-1}));
    Operand<TInt32> high = tf.bitwise.rightShift(flat, tf.constant(HALF_BITS));
    Operand<TInt32> highCounts = tf.math.bincount(high, tf.constant(HIGH_BUCKETS), tf.constant(new int[0]));
    Digit top = kthLargestDigit(tf, highCounts, k);

    Operand<TInt32> inBucket = tf.dtypes.cast(tf.math.equal(high, top.digit()), TInt32.class);
    Operand<TInt32> low = tf.bitwise.bitwiseAnd(flat, tf.constant(LOW_MASK));
    Operand<TInt32> lowCounts = tf.math.bincount(low, tf.constant(LOW_MASK + 1), inBucket);
    Digit bottom = kthLargestDigit(tf, lowCounts, top.rank());

    return tf.bitwise.bitwiseOr(tf.bitwise.leftShift(top.digit(), tf.constant(HALF_BITS)), bottom.digit());
  }

  /** A digit value and the rank (1-based, from the top) of the sought element among that digit's members. */
  private record Digit(Operand<TInt32> digit, Operand<TInt32> rank) {}

  /** In a histogram over digits, the digit holding the k-th largest element. */
  private static Digit kthLargestDigit(Ops tf, Operand<TInt32> counts, Operand<TInt32> k) {
    Operand<TInt32> atOrAbove = tf.math.cumsum(counts, tf.constant(0), Cumsum.reverse(true));
    // atOrAbove falls as the digit grows, so the digits with at least k elements at or above form a prefix.
    Operand<TInt32> digit =
        tf.math.sub(
            tf.sum(tf.dtypes.cast(tf.math.greaterEqual(atOrAbove, k), TInt32.class), tf.constant(0)),
            tf.constant(1));
    Operand<TInt32> above =
        tf.math.sub(tf.gather(atOrAbove, digit, tf.constant(0)), tf.gather(counts, digit, tf.constant(0)));
    return new Digit(digit, tf.math.sub(k, above));
  }
}
