package dev.topiary.ops;

import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.mask.MaskResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Cumsum;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * The masks of a global pruning group ({@link GlobalPruningSpec}), once in plain Java and once as
 * TensorFlow ops (graph or eager); both give the same masks and thresholds bit for bit.
 *
 * <p>Rule: with scores {@code |w|} (or {@code |w| / max|w|} or {@code |w| / rms(w)} per tensor), each tensor first keeps its
 * floor-many highest scores, then the group's remaining {@code k - sum(floors)} go to the highest
 * remaining scores of the whole group; equal scores are ordered by position in the group (tensors in
 * order, each row-major), the earlier kept. The group keeps exactly {@code k}. Each mask's threshold
 * is the smallest magnitude {@code |w|} that tensor keeps (+infinity if it keeps none).
 *
 * <p>The op form ranks without sorting: for non-negative float32 scores the int32 bit pattern orders
 * like the value, and a two-pass radix selection (histograms of the high and low 16 bits) finds the
 * exact k-th largest pattern; ties at it are taken in position order with a cumulative count.
 */
public final class GlobalMagnitude {
  private static final int HALF_BITS = 16;
  private static final int HIGH_BUCKETS = 1 << 15;
  private static final int LOW_MASK = (1 << HALF_BITS) - 1;

  private GlobalMagnitude() {}

  // ---------------------------------------------------------------- plain Java

  /**
   * The group's masks in plain Java: {@code weights.get(j)} row-major of {@code shapes.get(j)}.
   *
   * @throws IllegalArgumentException if a shape does not match its values, the sparsity is outside
   *     [0, 1), or the floors exceed what the group keeps at {@code sparsity}
   */
  public static List<HostMask> host(GlobalPruningSpec spec, List<float[]> weights, List<long[]> shapes, float sparsity) {
    if (weights.size() != shapes.size()) {
      throw new IllegalArgumentException(weights.size() + " weights but " + shapes.size() + " shapes");
    }
    if (!(sparsity >= 0f && sparsity < 1f)) {
      throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
    }
    int count = weights.size();
    long[] sizes = new long[count];
    for (int j = 0; j < count; j++) {
      long size = 1;
      for (long d : shapes.get(j)) {
        size *= d;
      }
      if (size != weights.get(j).length) {
        throw new IllegalArgumentException("weight " + j + ": shape " + Arrays.toString(shapes.get(j)) + " holds " + size
            + " values but " + weights.get(j).length + " were given");
      }
      sizes[j] = size;
    }
    long total = Arrays.stream(sizes).sum();
    long k = GlobalPruningSpec.groupKeepCount(sizes, sparsity);
    long floors = 0;
    for (long s : sizes) {
      floors += spec.floor(s);
    }
    if (floors > k) {
      throw new IllegalArgumentException("global pruning group '" + spec.name() + "': the floors keep " + floors
          + " weights but the group keeps " + k + " of " + total + " at sparsity " + sparsity);
    }
    float[][] masks = new float[count][];
    // Sort keys: score descending, then position ascending (non-negative float bits order like values).
    long[] rest = new long[Math.toIntExact(total)];
    int restCount = 0;
    int offset = 0;
    for (int j = 0; j < count; j++) {
      float[] w = weights.get(j);
      float[] scores = scores(spec.normalization(), w);
      long[] keys = new long[w.length];
      for (int i = 0; i < w.length; i++) {
        keys[i] = key(scores[i], offset + i);
      }
      Arrays.sort(keys);
      int floor = (int) spec.floor(w.length);
      masks[j] = new float[w.length];
      for (int r = 0; r < keys.length; r++) {
        int position = (int) (keys[r] & 0xFFFFFFFFL);
        if (r < floor) {
          masks[j][position - offset] = 1f;
        } else {
          rest[restCount++] = keys[r];
        }
      }
      offset += w.length;
    }
    Arrays.sort(rest, 0, restCount);
    long remaining = k - floors;
    int[] starts = new int[count + 1];
    for (int j = 0; j < count; j++) {
      starts[j + 1] = starts[j] + weights.get(j).length;
    }
    for (int r = 0; r < remaining; r++) {
      int position = (int) (rest[r] & 0xFFFFFFFFL);
      int j = Arrays.binarySearch(starts, position);
      j = j >= 0 ? j : -j - 2;
      while (starts[j + 1] == starts[j]) {
        j++; // skip empty tensors sharing the start
      }
      masks[j][position - starts[j]] = 1f;
    }
    List<HostMask> out = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      float[] w = weights.get(j);
      float threshold = Float.POSITIVE_INFINITY;
      for (int i = 0; i < w.length; i++) {
        if (masks[j][i] != 0f) {
          threshold = Math.min(threshold, Math.abs(w[i]));
        }
      }
      out.add(new HostMask(masks[j], shapes.get(j), threshold));
    }
    return out;
  }

  private static long key(float score, int position) {
    int bits = Float.floatToRawIntBits(score);
    return ((long) (Integer.MAX_VALUE - bits) << 32) | position;
  }

  private static float[] scores(GlobalPruningSpec.Normalization normalization, float[] w) {
    float[] out = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      out[i] = Math.abs(w[i]);
    }
    if (normalization == GlobalPruningSpec.Normalization.MAX_ABS) {
      float max = 0f;
      for (float a : out) {
        max = Math.max(max, a);
      }
      float scale = max > 0f ? max : 1f;
      for (int i = 0; i < out.length; i++) {
        out[i] = out[i] / scale;
      }
    } else if (normalization == GlobalPruningSpec.Normalization.RMS && w.length > 0) {
      double sum = 0;
      for (float v : w) {
        sum += (double) v * (double) v;
      }
      float rms = (float) Math.sqrt((float) (sum / w.length)); // float32 sqrt: correctly rounded both ways
      float scale = rms > 0f ? rms : 1f;
      for (int i = 0; i < out.length; i++) {
        out[i] = out[i] / scale;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- ops

  /**
   * The group's masks as ops built with {@code tf}, for weights of fully known shapes and a float32
   * scalar {@code sparsity} (at which the floors must fit: {@link GlobalPruningSpec#validate}).
   */
  public static List<MaskResult> ops(Ops tf, GlobalPruningSpec spec, List<? extends Operand<TFloat32>> weights,
      Operand<TFloat32> sparsity) {
    int count = weights.size();
    long[] sizes = new long[count];
    List<Operand<TInt32>> bits = new ArrayList<>();
    List<Operand<TBool>> forced = new ArrayList<>();
    List<Operand<TFloat32>> magnitudes = new ArrayList<>();
    long floors = 0;
    for (int j = 0; j < count; j++) {
      Shape shape = weights.get(j).shape();
      if (shape.hasUnknownDimension()) {
        throw new IllegalArgumentException("global pruning needs fully known shapes, weight " + j + " has " + shape);
      }
      sizes[j] = shape.size();
      Operand<TFloat32> magnitude = tf.reshape(tf.math.abs(weights.get(j)), tf.constant(new long[] {sizes[j]}));
      magnitudes.add(magnitude);
      Operand<TFloat32> score = magnitude;
      if (spec.normalization() == GlobalPruningSpec.Normalization.MAX_ABS && sizes[j] > 0) {
        Operand<TFloat32> max = tf.max(magnitude, tf.constant(0));
        Operand<TFloat32> scale = tf.select(tf.math.greater(max, tf.constant(0f)), max, tf.constant(1f));
        score = tf.math.div(magnitude, scale);
      } else if (spec.normalization() == GlobalPruningSpec.Normalization.RMS && sizes[j] > 0) {
        Operand<TFloat64> wide = tf.dtypes.cast(magnitude, TFloat64.class);
        Operand<TFloat64> meanSquare = tf.math.div(tf.sum(tf.math.mul(wide, wide), tf.constant(0)),
            tf.constant((double) sizes[j]));
        Operand<TFloat32> rms = tf.math.sqrt(tf.dtypes.cast(meanSquare, TFloat32.class));
        Operand<TFloat32> scale = tf.select(tf.math.greater(rms, tf.constant(0f)), rms, tf.constant(1f));
        score = tf.math.div(magnitude, scale);
      }
      Operand<TInt32> b = tf.bitcast(score, TInt32.class);
      bits.add(b);
      long floor = spec.floor(sizes[j]);
      floors += floor;
      forced.add(floor == 0
          ? tf.fill(tf.constant(new long[] {sizes[j]}), tf.constant(false))
          : top(tf, b, null, tf.constant((int) floor)));
    }
    long total = Arrays.stream(sizes).sum();
    Operand<TFloat32> keptReal = tf.math.mul(tf.constant((float) total), tf.math.sub(tf.constant(1f), sparsity));
    Operand<TInt32> k = tf.math.maximum(tf.dtypes.cast(tf.math.round(keptReal), TInt32.class), tf.constant(1));
    Operand<TInt32> remaining = tf.math.maximum(tf.math.sub(k, tf.constant((int) floors)), tf.constant(0));

    Operand<TInt32> allBits = tf.concat(bits, tf.constant(0));
    Operand<TBool> allForced = tf.concat(forced, tf.constant(0));
    Operand<TInt32> valid = tf.dtypes.cast(tf.math.logicalNot(allForced), TInt32.class);
    Operand<TBool> keep = tf.math.logicalOr(allForced, top(tf, allBits, valid, remaining));

    List<MaskResult> out = new ArrayList<>();
    long offset = 0;
    for (int j = 0; j < count; j++) {
      Operand<TBool> kept = tf.slice(keep, tf.constant(new long[] {offset}), tf.constant(new long[] {sizes[j]}));
      offset += sizes[j];
      Operand<TFloat32> mask = tf.reshape(tf.dtypes.cast(kept, TFloat32.class), tf.constant(weights.get(j).shape()));
      Operand<TFloat32> threshold = tf.min(
          tf.select(kept, magnitudes.get(j), tf.fill(tf.constant(new long[] {sizes[j]}), tf.constant(Float.POSITIVE_INFINITY))),
          tf.constant(0));
      out.add(new MaskResult(mask, threshold));
    }
    return out;
  }

  /**
   * The {@code k} largest of non-negative int32 {@code bits} among those with {@code valid} 1 (all
   * when null), ties taken in position order: exactly {@code min(k, valid count)} true values.
   */
  private static Operand<TBool> top(Ops tf, Operand<TInt32> bits, Operand<TInt32> valid, Operand<TInt32> k) {
    Operand<TInt32> weights = valid != null ? valid : tf.onesLike(bits);
    Operand<TInt32> threshold = kthLargest(tf, bits, weights, k);
    Operand<TBool> isValid = tf.math.notEqual(weights, tf.constant(0));
    Operand<TBool> above = tf.math.logicalAnd(isValid, tf.math.greater(bits, threshold));
    Operand<TBool> tied = tf.math.logicalAnd(isValid, tf.math.equal(bits, threshold));
    Operand<TInt32> aboveCount = tf.sum(tf.dtypes.cast(above, TInt32.class), tf.constant(0));
    Operand<TInt32> tieRank = tf.math.cumsum(tf.dtypes.cast(tied, TInt32.class), tf.constant(0));
    Operand<TBool> tieKept = tf.math.logicalAnd(tied, tf.math.lessEqual(tieRank, tf.math.sub(k, aboveCount)));
    return tf.math.logicalOr(above, tieKept);
  }

  /** The k-th largest of the counted {@code bits} (the largest t with count(bits >= t) >= k). */
  private static Operand<TInt32> kthLargest(Ops tf, Operand<TInt32> bits, Operand<TInt32> weights, Operand<TInt32> k) {
    Operand<TInt32> high = tf.bitwise.rightShift(bits, tf.constant(HALF_BITS));
    Operand<TInt32> highCounts = tf.math.bincount(high, tf.constant(HIGH_BUCKETS), weights);
    Operand<TInt32>[] top = digit(tf, highCounts, k);
    Operand<TInt32> inBucket = tf.math.mul(weights, tf.dtypes.cast(tf.math.equal(high, top[0]), TInt32.class));
    Operand<TInt32> low = tf.bitwise.bitwiseAnd(bits, tf.constant(LOW_MASK));
    Operand<TInt32> lowCounts = tf.math.bincount(low, tf.constant(LOW_MASK + 1), inBucket);
    Operand<TInt32>[] bottom = digit(tf, lowCounts, top[1]);
    return tf.bitwise.bitwiseOr(tf.bitwise.leftShift(top[0], tf.constant(HALF_BITS)), bottom[0]);
  }

  /** In a histogram over digits: the digit holding the k-th largest, and its rank within that digit. */
  @SuppressWarnings("unchecked")
  private static Operand<TInt32>[] digit(Ops tf, Operand<TInt32> counts, Operand<TInt32> k) {
    Operand<TInt32> atOrAbove = tf.math.cumsum(counts, tf.constant(0), Cumsum.reverse(true));
    Operand<TInt32> digit = tf.math.sub(
        tf.sum(tf.dtypes.cast(tf.math.greaterEqual(atOrAbove, k), TInt32.class), tf.constant(0)), tf.constant(1));
    Operand<TInt32> above =
        tf.math.sub(tf.gather(atOrAbove, digit, tf.constant(0)), tf.gather(counts, digit, tf.constant(0)));
    return new Operand[] {digit, tf.math.sub(k, above)};
  }
}
