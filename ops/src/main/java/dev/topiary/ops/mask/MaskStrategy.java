package dev.topiary.ops.mask;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.FloatNdArray;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * How a weight tensor's mask is chosen: {@link #magnitude()} (per tensor, unstructured),
 * {@link #block(int, int, BlockPooling)} (rank-2 weights, whole blocks kept or pruned) or
 * {@link #mByN(int, int)} (m zeros in every n consecutive input-channel weights, e.g. 2:4).
 *
 * <p>Each strategy computes the same mask two ways: as TensorFlow ops (graph or eager) and in plain
 * Java on a host array. Both agree exactly (see the tests).
 *
 * <p>Your own strategy implements {@link #validate}, {@link #ops} and {@link #host} (equal bit for
 * bit, as the built-ins), should be an immutable value with {@code equals}, and is registered under a
 * config name with {@link StrategyRegistry#register} so that models using it can be saved and loaded.
 */
public interface MaskStrategy {

  /** How many of {@code size} weights a magnitude mask keeps at {@code sparsity} (the reference's rule). */
  public static long keepCount(long size, float sparsity) {
    return Math.max((long) Math.rint((float) size * (1f - sparsity)), 1);
  }

  /** Unstructured per-tensor magnitude pruning, the reference's default. */
  static MaskStrategy magnitude() {
    return MagnitudeStrategy.INSTANCE;
  }

  /**
   * Block sparsity for rank-2 weights: magnitudes pooled over {@code rows x cols} blocks decide for the
   * whole block. Blocks start at index 0 of each dimension; a partial block at the end (when a
   * dimension is not divisible) is pooled over its real elements only.
   */
  static MaskStrategy block(int rows, int cols, BlockPooling pooling) {
    return (rows == 1 && cols == 1) ? magnitude() : new BlockStrategy(rows, cols, pooling);
  }

  /** {@code m} zeros in every {@code n} consecutive weights along the input-channel axis (2:4 is (2, 4)). */
  static MaskStrategy mByN(int m, int n) {
    return new MByNStrategy(m, n);
  }

  /**
   * Checks that weights of {@code shape} can be masked this way.
   *
   * @throws IllegalArgumentException naming the strategy, the shape and what is wrong
   */
  void validate(Shape shape);

  /**
   * Checked once when a model is defined, after {@link #validate}: a note on what this strategy
   * really does to a weight of {@code shape} when it differs from what its settings promise (the model
   * logs it as a warning), or empty.
   *
   * @throws IllegalArgumentException if the strategy cannot prune any weight of this shape
   */
  default java.util.Optional<String> review(Shape shape) {
    return java.util.Optional.empty();
  }

  /** True if the schedule's sparsity is ignored and the mask is fixed at the first pruning step. */
  default boolean fixedAfterFirstUpdate() {
    return false;
  }

  /** The mask of {@code weights} at {@code sparsity} (float32 scalar), built with {@code tf}. */
  MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity);

  /**
   * The masks of several weights at one {@code sparsity} (float32 scalar): for each, exactly
   * {@link #ops(Ops, Operand, Operand)} of that weight alone. A pruning hook asks for all the
   * weights sharing a schedule and strategy at once; a strategy that can compute them together
   * overrides this (the magnitude strategy does: it searches the weights' histograms together, so a
   * pruned model's mask updates take about a dozen graph nodes per weight instead of about forty, which
   * TF's graph optimization and set-up pay for on the first step). By default each weight's mask is
   * built alone.
   */
  default java.util.List<MaskResult> ops(Ops tf, java.util.List<Operand<TFloat32>> weights, Operand<TFloat32> sparsity) {
    java.util.List<MaskResult> out = new java.util.ArrayList<>();
    for (Operand<TFloat32> w : weights) {
      out.add(ops(tf, w, sparsity));
    }
    return out;
  }

  /**
   * The mask of row-major {@code weights} of {@code shape} at {@code sparsity}, in plain Java.
   *
   * @throws IllegalArgumentException if the shape does not match the number of values, or the
   *     sparsity is outside [0, 1)
   */
  HostMask host(float[] weights, long[] shape, float sparsity);

  /** The mask of {@code weights} at {@code sparsity}, in plain Java. */
  default HostMask host(FloatNdArray weights, float sparsity) {
    float[] values = new float[Math.toIntExact(weights.size())];
    weights.copyTo(DataBuffers.of(values, false, false));
    return host(values, weights.shape().asArray(), sparsity);
  }
}
