package dev.topiary.ops.mask;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
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

  /** Tensors selected together at most (their stacked histograms 64 * 98304 ints, 25 MB). */
  static final int CHUNK = 64;

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
    Operand<TFloat32> size = tf.reshape(tf.dtypes.cast(tf.size(magnitudes), TFloat32.class), tf.constant(new int[] {1}));
    return select(tf, List.of(magnitudes), size, sparsity).get(0);
  }

  /**
   * The masks and thresholds of several tensors of {@code magnitudes} (all >= 0) at one sparsity, as
   * ops: each exactly {@link #ops(Ops, Operand, Operand)} of that tensor alone. Tensors of known,
   * non-empty shape are selected together, at most {@code chunk} at a time: each tensor still counts
   * its own histograms (the same passes over its values as alone), but the search of every
   * histogram for the k-th largest runs once for the chunk's stacked histograms, so a model's masks
   * take about a dozen graph nodes per tensor instead of about forty: TF's graph optimization and
   * executor set-up, which grow with the node count, made a pruned model's first step up to twice a
   * dense one's. A chunk's stacked histograms hold {@code chunk * 98304} ints.
   */
  static List<MaskResult> ops(Ops tf, List<Operand<TFloat32>> magnitudes, Operand<TFloat32> sparsity, int chunk) {
    MaskResult[] out = new MaskResult[magnitudes.size()];
    List<Integer> together = new ArrayList<>();
    for (int j = 0; j < magnitudes.size(); j++) {
      Shape shape = magnitudes.get(j).shape();
      if (shape.hasUnknownDimension() || shape.size() == 0) {
        out[j] = ops(tf, magnitudes.get(j), sparsity);
      } else {
        together.add(j);
      }
    }
    for (int from = 0; from < together.size(); from += chunk) {
      List<Integer> members = together.subList(from, Math.min(from + chunk, together.size()));
      List<Operand<TFloat32>> selected = new ArrayList<>();
      float[] sizes = new float[members.size()];
      for (int i = 0; i < sizes.length; i++) {
        selected.add(magnitudes.get(members.get(i)));
        // float32(N) as the single-tensor form's cast of its int32 size: the same rounding.
        sizes[i] = (float) Math.toIntExact(selected.get(i).shape().size());
      }
      List<MaskResult> results = select(tf, selected, tf.constant(sizes), sparsity);
      for (int i = 0; i < sizes.length; i++) {
        out[members.get(i)] = results.get(i);
      }
    }
    return List.of(out);
  }

  /**
   * For each of {@code magnitudes} ({@code sizes[j]} values each), the pattern of its k-th largest value
   * at {@code sparsity} (the largest t with count(values >= t) >= k) and the mask it gives.
   *
   * <p>Two-pass radix selection instead of a sort: a histogram of the high 16 bits finds the bucket
   * holding the k-th largest, then a histogram of the low 16 bits of that bucket's members finds it
   * exactly. Four linear passes over each tensor's data, none of them a sort; the histograms of all the
   * tensors are searched together, one row each.
   */
  private static List<MaskResult> select(Ops tf, List<Operand<TFloat32>> magnitudes, Operand<TFloat32> sizes,
      Operand<TFloat32> sparsity) {
    int count = magnitudes.size();
    Operand<TFloat32> keptReal = tf.math.mul(sizes, tf.math.sub(tf.constant(1f), sparsity));
    Operand<TInt32> k =
        tf.math.maximum(tf.dtypes.cast(tf.math.round(keptReal), TInt32.class), tf.constant(1));

    // Bincount counts a tensor of any shape, and the other steps are elementwise: no flattening.
    List<Operand<TInt32>> bits = new ArrayList<>();
    List<Operand<TInt32>> highs = new ArrayList<>();
    List<Operand<TInt32>> highCounts = new ArrayList<>();
    Operand<TInt32> noWeights = tf.constant(new int[0]);
    for (Operand<TFloat32> m : magnitudes) {
      bits.add(tf.bitcast(m, TInt32.class));
      highs.add(tf.bitwise.rightShift(bits.get(bits.size() - 1), tf.constant(HALF_BITS)));
      highCounts.add(tf.math.bincount(highs.get(highs.size() - 1), tf.constant(HIGH_BUCKETS), noWeights));
    }
    Digit top = kthLargestDigit(tf, rows(tf, highCounts, HIGH_BUCKETS), count, HIGH_BUCKETS, k);

    List<Operand<TInt32>> topDigits = items(tf, top.digit(), count);
    List<Operand<TInt32>> lowCounts = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      Operand<TInt32> inBucket = tf.dtypes.cast(tf.math.equal(highs.get(j), topDigits.get(j)), TInt32.class);
      Operand<TInt32> low = tf.bitwise.bitwiseAnd(bits.get(j), tf.constant(LOW_MASK));
      lowCounts.add(tf.math.bincount(low, tf.constant(LOW_MASK + 1), inBucket));
    }
    Digit bottom = kthLargestDigit(tf, rows(tf, lowCounts, LOW_MASK + 1), count, LOW_MASK + 1, top.rank());

    Operand<TInt32> thresholdBits =
        tf.bitwise.bitwiseOr(tf.bitwise.leftShift(top.digit(), tf.constant(HALF_BITS)), bottom.digit());
    List<Operand<TInt32>> each = items(tf, thresholdBits, count);
    List<Operand<TFloat32>> thresholds = items(tf, tf.bitcast(thresholdBits, TFloat32.class), count);
    List<MaskResult> out = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greaterEqual(bits.get(j), each.get(j)), TFloat32.class);
      out.add(new MaskResult(mask, thresholds.get(j)));
    }
    return out;
  }

  /** The {@code [count, buckets]} rows of the histograms (one histogram: a reshape, no copy). */
  private static Operand<TInt32> rows(Ops tf, List<Operand<TInt32>> histograms, int buckets) {
    return histograms.size() == 1
        ? tf.reshape(histograms.get(0), tf.constant(new int[] {1, buckets}))
        : tf.stack(histograms);
  }

  /** The {@code count} scalars of a {@code [count]} vector. */
  private static <T extends org.tensorflow.types.family.TType> List<Operand<T>> items(Ops tf, Operand<T> vector, int count) {
    if (count == 1) {
      return List.of(tf.reshape(vector, tf.constant(new int[0])));
    }
    return new ArrayList<>(tf.unstack(vector, (long) count).output());
  }

  /** Per tensor, a digit value and the rank (1-based, from the top) of the sought element among that digit's members. */
  private record Digit(Operand<TInt32> digit, Operand<TInt32> rank) {}

  /** In each row of {@code [rows, buckets]} histograms over digits, the digit holding that row's k-th largest element. */
  private static Digit kthLargestDigit(Ops tf, Operand<TInt32> counts, int rows, int buckets, Operand<TInt32> k) {
    Operand<TInt32> atOrAbove = tf.math.cumsum(counts, tf.constant(1), Cumsum.reverse(true));
    // atOrAbove falls as the digit grows, so the digits with at least k elements at or above form a prefix.
    Operand<TInt32> digit = tf.math.sub(
        tf.sum(tf.dtypes.cast(tf.math.greaterEqual(atOrAbove, tf.reshape(k, tf.constant(new int[] {rows, 1}))),
            TInt32.class), tf.constant(1)),
        tf.constant(1));
    int[] rowStarts = new int[rows];
    for (int j = 0; j < rows; j++) {
      rowStarts[j] = j * buckets;
    }
    Operand<TInt32> at = tf.math.add(tf.constant(rowStarts), digit);
    Operand<TInt32> flatShape = tf.constant(new int[] {-1});
    Operand<TInt32> above = tf.math.sub(tf.gather(tf.reshape(atOrAbove, flatShape), at, tf.constant(0)),
        tf.gather(tf.reshape(counts, flatShape), at, tf.constant(0)));
    return new Digit(digit, tf.math.sub(k, above));
  }
}
