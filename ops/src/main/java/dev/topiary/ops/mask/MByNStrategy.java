package dev.topiary.ops.mask;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * m-by-n structured sparsity: in every group of n consecutive weights along the input-channel axis,
 * the n - m largest magnitudes are kept (ties go to the lower index). Dense kernels {@code [in, out]}
 * group along {@code in} for each output; convolution kernels {@code [kh, kw, in, out]} along
 * {@code in} for each (kh, kw, out). The input-channel length is zero-padded to a multiple of n, so
 * fewer than n channels lower the sparsity (7 channels at 2:4 give 3/7 zeros; 1 channel keeps all).
 * The schedule's sparsity does not apply; the mask is fixed at the first pruning step.
 */
public record MByNStrategy(int m, int n) implements MaskStrategy {

  public MByNStrategy {
    if (m < 1 || m >= n) {
      throw new IllegalArgumentException(
          "m-by-n sparsity needs 1 <= m < n (m zeros in every n weights), got m=" + m + ", n=" + n);
    }
  }

  @Override
  public void validate(Shape shape) {
    int rank = shape.numDimensions();
    if ((rank != 2 && rank != 4) || shape.hasUnknownDimension()) {
      throw new IllegalArgumentException(
          "m-by-n sparsity " + this + " needs rank-2 [in, out] or rank-4 [kh, kw, in, out] weights of"
              + " known shape, got shape " + shape);
    }
  }

  /**
   * The fraction of zeros this strategy gives a weight of {@code shape} (rank 2 or 4): {@code m} of
   * every {@code n} whole-group channels, and in the last, zero-padded group of {@code r} real channels
   * {@code max(0, r - (n - m))} (the padding zeros lose every tie, so real channels are kept first).
   * 7 channels at 2:4 give 3/7.
   */
  public double realSparsity(Shape shape) {
    validate(shape);
    long channels = shape.get(shape.numDimensions() - 2);
    return channels == 0 ? 0.0 : (double) zerosPerRow(channels) / channels;
  }

  private long zerosPerRow(long channels) {
    long rest = channels % n;
    return (channels / n) * m + Math.max(0, rest - (n - m));
  }

  /**
   * A warning when the input channels are not a multiple of n (the real sparsity is then below
   * m / n); an error when no weight can be pruned at all (fewer than n - m + 1 channels, e.g. 1).
   */
  @Override
  public java.util.Optional<String> review(Shape shape) {
    validate(shape);
    long channels = shape.get(shape.numDimensions() - 2);
    if (channels % n == 0) {
      return java.util.Optional.empty();
    }
    long zeros = zerosPerRow(channels);
    if (zeros == 0) {
      throw new IllegalArgumentException("m-by-n sparsity " + this + " cannot prune a weight of shape " + shape
          + ": its " + channels + " input channel(s) (axis " + (shape.numDimensions() - 2) + ") are zero-padded to one"
          + " group of " + n + " whose " + (n - m) + " kept entries cover every real channel; use at least "
          + (n - m + 1) + " input channels or leave this layer unpruned");
    }
    return java.util.Optional.of(String.format(java.util.Locale.ROOT,
        "m-by-n sparsity %s on a weight of shape %s: its %d input channels are not a multiple of %d, so each"
            + " run of %d channels gets %d/%d zeros = %.4f sparsity, not %.4f (the last group is zero-padded)",
        this, shape, channels, n, channels, zeros, channels, (double) zeros / channels, (double) m / n));
  }

  @Override
  public boolean fixedAfterFirstUpdate() {
    return true;
  }

  @Override
  public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
    Shape shape = weights.shape();
    validate(shape);
    int[] perm = shape.numDimensions() == 2 ? new int[] {1, 0} : new int[] {0, 1, 3, 2};
    int channels = (int) shape.get(shape.numDimensions() - 2);
    int rows = (int) (shape.size() / channels);
    int padded = HostArrays.ceilDiv(channels, n) * n;

    // Input channels last, one row per (kh, kw, out), padded with zeros to whole groups.
    Operand<TFloat32> channelsLast = tf.linalg.transpose(tf.math.abs(weights), tf.constant(perm));
    Operand<TFloat32> byRow = tf.reshape(channelsLast, tf.constant(new int[] {rows, channels}));
    if (padded != channels) {
      byRow = tf.pad(byRow, tf.constant(new int[][] {{0, 0}, {0, padded - channels}}), tf.constant(0f));
    }
    Operand<TFloat32> groups = tf.reshape(byRow, tf.constant(new int[] {rows * padded / n, n}));

    // TopK breaks ties towards the lower index, as the reference does.
    TopK<TFloat32, TInt32> top = tf.nn.topK(groups, tf.constant(n - m), TInt32.class, TopK.sorted(true));
    Operand<TFloat32> keep =
        tf.sum(tf.oneHot(top.indices(), tf.constant(n), tf.constant(1f), tf.constant(0f)), tf.constant(1));

    Operand<TFloat32> keepByRow =
        tf.slice(
            tf.reshape(keep, tf.constant(new int[] {rows, padded})),
            tf.constant(new int[] {0, 0}),
            tf.constant(new int[] {rows, channels}));
    long[] transposedShape = shape.asArray();
    transposedShape[transposedShape.length - 2] = shape.get(shape.numDimensions() - 1);
    transposedShape[transposedShape.length - 1] = channels;
    Operand<TFloat32> mask =
        tf.linalg.transpose(tf.reshape(keepByRow, tf.constant(transposedShape)), tf.constant(perm));
    return new MaskResult(mask, tf.constant(0f));
  }

  @Override
  public HostMask host(float[] weights, long[] shape, float sparsity) {
    HostArrays.check(weights, shape, sparsity);
    validate(Shape.of(shape));
    int rank = shape.length;
    int outputs = (int) shape[rank - 1];
    int channels = (int) shape[rank - 2];
    int spatial = weights.length / (channels * outputs);
    float[] mask = new float[weights.length];
    int keep = n - m;
    for (int s = 0; s < spatial; s++) {
      for (int o = 0; o < outputs; o++) {
        for (int start = 0; start < channels; start += n) {
          int end = Math.min(start + n, channels);
          // Padding zeros sit after the real channels; they win no tie, so only real channels matter
          // unless fewer than `keep` real ones exist, in which case all real ones are kept.
          for (int c = start; c < end; c++) {
            float mc = Math.abs(weights[(s * channels + c) * outputs + o]);
            int beaten = 0;
            for (int other = start; other < start + n; other++) {
              float mo = other < end ? Math.abs(weights[(s * channels + other) * outputs + o]) : 0f;
              if (mo > mc || (mo == mc && other < c)) {
                beaten++;
              }
            }
            mask[(s * channels + c) * outputs + o] = beaten < keep ? 1f : 0f;
          }
        }
      }
    }
    return new HostMask(mask, shape, 0f);
  }

  @Override
  public String toString() {
    return "mByN(" + m + ", " + n + ")";
  }
}
