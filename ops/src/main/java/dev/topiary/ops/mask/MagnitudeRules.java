package dev.topiary.ops.mask;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
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

  /** Tensors selected together at most (histograms of 64 * 65536 ints, 16 MB). */
  static final int CHUNK_SEGMENTS = 64;
  /** Values selected together at most (each array of the selection 16 MB). */
  static final long CHUNK_ELEMENTS = 1L << 22;

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
    Operand<TInt32> bits = tf.bitcast(magnitudes, TInt32.class);
    Operand<TFloat32> size = tf.reshape(tf.dtypes.cast(tf.size(magnitudes), TFloat32.class), tf.constant(new int[] {1}));
    Operand<TInt32> flat = tf.reshape(bits, tf.constant(new int[] {-1}));
    Operand<TInt32> thresholdBits = tf.reshape(thresholdBits(tf, flat, null, 1, size, sparsity), tf.constant(new int[0]));
    Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greaterEqual(bits, thresholdBits), TFloat32.class);
    return new MaskResult(mask, tf.bitcast(thresholdBits, TFloat32.class));
  }

  /**
   * The masks and thresholds of several tensors of {@code magnitudes} (all >= 0) at one sparsity, as
   * ops: each exactly {@link #ops(Ops, Operand, Operand)} of that tensor alone. Tensors of known,
   * non-empty shape are selected together in chunks of at most {@code chunkSegments} tensors and
   * {@code chunkElements} values (one radix selection over their concatenated bits, each tensor a
   * segment of the histograms), so a model's masks take a few dozen graph nodes per chunk instead of
   * about forty per tensor: TF's graph optimization and executor set-up, which grow with the node
   * count, made a pruned model's first step up to twice a dense one's. The chunk bounds cap the extra
   * memory of an update (a few arrays of {@code chunkElements} ints, histograms of
   * {@code chunkSegments * 65536} ints).
   */
  static List<MaskResult> ops(Ops tf, List<Operand<TFloat32>> magnitudes, Operand<TFloat32> sparsity,
      int chunkSegments, long chunkElements) {
    MaskResult[] out = new MaskResult[magnitudes.size()];
    List<Integer> chunk = new ArrayList<>();
    long chunkSize = 0;
    for (int j = 0; j < magnitudes.size(); j++) {
      Shape shape = magnitudes.get(j).shape();
      long size = shape.hasUnknownDimension() ? -1 : shape.size();
      if (size <= 0 || size > chunkElements / 2) {
        out[j] = ops(tf, magnitudes.get(j), sparsity);
        continue;
      }
      if (chunk.size() == chunkSegments || chunkSize + size > chunkElements) {
        selectTogether(tf, magnitudes, chunk, sparsity, out);
        chunk.clear();
        chunkSize = 0;
      }
      chunk.add(j);
      chunkSize += size;
    }
    selectTogether(tf, magnitudes, chunk, sparsity, out);
    return List.of(out);
  }

  /** The masks of {@code magnitudes[members]} (known, non-empty shapes) from one selection, into {@code out}. */
  private static void selectTogether(Ops tf, List<Operand<TFloat32>> magnitudes, List<Integer> members,
      Operand<TFloat32> sparsity, MaskResult[] out) {
    int count = members.size();
    if (count <= 1) {
      members.forEach(j -> out[j] = ops(tf, magnitudes.get(j), sparsity));
      return;
    }
    List<Operand<TInt32>> flats = new ArrayList<>();
    float[] sizes = new float[count];
    int[] splits = new int[count];
    int[] ends = new int[count];
    int end = 0;
    for (int i = 0; i < count; i++) {
      Operand<TFloat32> m = magnitudes.get(members.get(i));
      flats.add(tf.reshape(tf.bitcast(m, TInt32.class), tf.constant(new int[] {-1})));
      splits[i] = (int) m.shape().size();
      // float32(N) as the single-tensor form's cast of its int32 size: the same rounding.
      sizes[i] = (float) splits[i];
      end += splits[i];
      ends[i] = end;
    }
    Operand<TInt32> flat = tf.concat(flats, tf.constant(0));
    // Each value's segment: how many segment ends lie at or before its position.
    Operand<TInt32> segment = tf.reshape(
        tf.upperBound(tf.constant(new int[][] {ends}),
            tf.reshape(tf.range(tf.constant(0), tf.constant(end), tf.constant(1)), tf.constant(new int[] {1, -1})),
            TInt32.class),
        tf.constant(new int[] {-1}));
    Operand<TInt32> thresholdBits = thresholdBits(tf, flat, segment, count, tf.constant(sizes), sparsity);
    Operand<TFloat32> masks = tf.dtypes.cast(
        tf.math.greaterEqual(flat, tf.gather(thresholdBits, segment, tf.constant(0))), TFloat32.class);
    List<Output<TFloat32>> parts = tf.splitV(masks, tf.constant(splits), tf.constant(0), (long) count).output();
    List<Output<TFloat32>> thresholds =
        tf.unstack(tf.bitcast(thresholdBits, TFloat32.class), (long) count).output();
    for (int i = 0; i < count; i++) {
      Operand<TFloat32> m = magnitudes.get(members.get(i));
      out[members.get(i)] = new MaskResult(tf.reshape(parts.get(i), tf.constant(m.shape())), thresholds.get(i));
    }
  }

  /**
   * Per segment of {@code flat} (non-negative float32 bit patterns; segment j holds {@code sizes[j]}
   * values, {@code segment} names each value's segment, or is null when there is one), the pattern
   * of the k-th largest value at {@code sparsity}: the largest t with count(values >= t) >= k.
   *
   * <p>Two-pass radix selection instead of a sort: a histogram of the high 16 bits finds the bucket
   * holding the k-th largest, then a histogram of the low 16 bits of that bucket's members finds it
   * exactly. Each segment has its own rows of both histograms. Four linear passes over the data, none
   * of them a sort.
   */
  private static Operand<TInt32> thresholdBits(Ops tf, Operand<TInt32> flat, Operand<TInt32> segment, int segments,
      Operand<TFloat32> sizes, Operand<TFloat32> sparsity) {
    Operand<TFloat32> keptReal = tf.math.mul(sizes, tf.math.sub(tf.constant(1f), sparsity));
    Operand<TInt32> k =
        tf.math.maximum(tf.dtypes.cast(tf.math.round(keptReal), TInt32.class), tf.constant(1));

    Operand<TInt32> high = tf.bitwise.rightShift(flat, tf.constant(HALF_BITS));
    Operand<TInt32> highCounts = histogram(tf, high, segment, segments, HIGH_BUCKETS, tf.constant(new int[0]));
    Digit top = kthLargestDigit(tf, highCounts, segments, HIGH_BUCKETS, k);

    Operand<TInt32> topOfEach = segment == null ? top.digit() : tf.gather(top.digit(), segment, tf.constant(0));
    Operand<TInt32> inBucket = tf.dtypes.cast(tf.math.equal(high, topOfEach), TInt32.class);
    Operand<TInt32> low = tf.bitwise.bitwiseAnd(flat, tf.constant(LOW_MASK));
    Operand<TInt32> lowCounts = histogram(tf, low, segment, segments, LOW_MASK + 1, inBucket);
    Digit bottom = kthLargestDigit(tf, lowCounts, segments, LOW_MASK + 1, top.rank());

    return tf.bitwise.bitwiseOr(tf.bitwise.leftShift(top.digit(), tf.constant(HALF_BITS)), bottom.digit());
  }

  /** {@code [segments, buckets]} counts of {@code digits} per segment, each value counted {@code weights} times (or once if empty). */
  private static Operand<TInt32> histogram(Ops tf, Operand<TInt32> digits, Operand<TInt32> segment, int segments,
      int buckets, Operand<TInt32> weights) {
    Operand<TInt32> keys = segment == null ? digits : tf.math.add(tf.math.mul(segment, tf.constant(buckets)), digits);
    return tf.reshape(tf.math.bincount(keys, tf.constant(segments * buckets), weights),
        tf.constant(new int[] {segments, buckets}));
  }

  /** Per segment, a digit value and the rank (1-based, from the top) of the sought element among that digit's members. */
  private record Digit(Operand<TInt32> digit, Operand<TInt32> rank) {}

  /** In each row of a {@code [segments, buckets]} histogram over digits, the digit holding that row's k-th largest element. */
  private static Digit kthLargestDigit(Ops tf, Operand<TInt32> counts, int segments, int buckets, Operand<TInt32> k) {
    Operand<TInt32> atOrAbove = tf.math.cumsum(counts, tf.constant(1), Cumsum.reverse(true));
    // atOrAbove falls as the digit grows, so the digits with at least k elements at or above form a prefix.
    Operand<TInt32> digit = tf.math.sub(
        tf.sum(tf.dtypes.cast(tf.math.greaterEqual(atOrAbove, tf.reshape(k, tf.constant(new int[] {segments, 1}))),
            TInt32.class), tf.constant(1)),
        tf.constant(1));
    int[] rowStarts = new int[segments];
    for (int j = 0; j < segments; j++) {
      rowStarts[j] = j * buckets;
    }
    Operand<TInt32> at = tf.math.add(tf.constant(rowStarts), digit);
    Operand<TInt32> flatShape = tf.constant(new int[] {-1});
    Operand<TInt32> above = tf.math.sub(tf.gather(tf.reshape(atOrAbove, flatShape), at, tf.constant(0)),
        tf.gather(tf.reshape(counts, flatShape), at, tf.constant(0)));
    return new Digit(digit, tf.math.sub(k, above));
  }
}
