package dev.topiary.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Sparsity measurements, as ops (graph or eager) and in plain Java. */
public final class Measurements {
  private Measurements() {}

  /** Fraction of exactly-zero elements of {@code values} (a float32 scalar op); 0 for an empty tensor. */
  public static Operand<TFloat32> sparsity(Ops tf, Operand<TFloat32> values) {
    Operand<TFloat32> zeros = tf.dtypes.cast(tf.math.equal(values, tf.constant(0f)), TFloat32.class);
    return mean(tf, zeros);
  }

  /** Fraction of exactly-zero elements of {@code values}; 0 for an empty array. */
  public static double sparsity(float[] values) {
    if (values.length == 0) {
      return 0.0;
    }
    int zeros = 0;
    for (float v : values) {
      if (v == 0f) {
        zeros++;
      }
    }
    return (double) zeros / values.length;
  }

  /**
   * The sparsity a magnitude mask of {@code size} weights has at {@code target} when no magnitudes tie:
   * the reference's rule keeps {@code max(round_half_even(float32(size) * (1 - target)), 1)} weights.
   */
  public static double expectedSparsity(long size, float target) {
    long kept = dev.topiary.ops.mask.MaskStrategy.keepCount(size, target);
    return (double) (size - kept) / size;
  }

  /** Mean over every element of a float32 tensor of any rank (0 for an empty tensor). */
  static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> values) {
    org.tensorflow.ndarray.Shape shape = values.shape();
    if (!shape.isUnknown() && !shape.hasUnknownDimension() && shape.size() <= Integer.MAX_VALUE) {
      // A weight's shape is known when the graph is built: its axes and element count as constants, two
      // ops where computing them takes six (TF walks every op of a graph for each new run signature).
      // The same values: the count is the int32 size rounded to float once, as the Cast below rounds it.
      int[] axes = new int[shape.numDimensions()];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
      return tf.math.divNoNan(tf.sum(values, tf.constant(axes)), tf.constant((float) (int) shape.size()));
    }
    Operand<TInt32> allAxes = tf.range(tf.constant(0), tf.rank(values), tf.constant(1));
    Operand<TFloat32> count = tf.dtypes.cast(tf.size(values), TFloat32.class);
    return tf.math.divNoNan(tf.sum(values, allAxes), count);
  }
}
