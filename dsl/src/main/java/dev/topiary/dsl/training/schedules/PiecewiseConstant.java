package dev.topiary.dsl.training.schedules;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Keras' {@code PiecewiseConstantDecay}: {@code values[0]} while {@code step <= boundaries[0]},
 * {@code values[i]} while {@code boundaries[i-1] < step <= boundaries[i]}, and the last value after
 * the last boundary.
 *
 * @param boundaries strictly increasing steps
 * @param values one more than the boundaries, each finite and >= 0
 */
public record PiecewiseConstant(long[] boundaries, double[] values) implements LearningRateSchedule {
  public PiecewiseConstant {
    boundaries = boundaries.clone();
    values = values.clone();
    if (boundaries.length == 0 || values.length != boundaries.length + 1) {
      throw new IllegalArgumentException("PiecewiseConstant needs at least one boundary and one more value than"
          + " boundaries, got " + boundaries.length + " boundaries and " + values.length + " values");
    }
    for (int i = 1; i < boundaries.length; i++) {
      if (boundaries[i] <= boundaries[i - 1]) {
        throw new IllegalArgumentException("PiecewiseConstant boundaries must increase strictly, got "
            + Arrays.toString(boundaries));
      }
    }
    for (double v : values) {
      Checks.requireNonNegative("a PiecewiseConstant value", v);
    }
  }

  @Override
  public long[] boundaries() {
    return boundaries.clone();
  }

  @Override
  public double[] values() {
    return values.clone();
  }

  @Override
  public double at(long step) {
    int i = 0;
    while (i < boundaries.length && step > boundaries[i]) {
      i++;
    }
    return values[i];
  }

  @Override
  public Operand<TFloat64> compute(Ops tf, Operand<TFloat64> step) {
    // Boundaries are exact in float64 up to 2^53 steps.
    double[] b = Arrays.stream(boundaries).asDoubleStream().toArray();
    Operand<TInt32> index = tf.sum(tf.dtypes.cast(tf.math.greater(step, tf.constant(b)), TInt32.class),
        tf.constant(0));
    return tf.gather(tf.constant(values), index, tf.constant(0));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PiecewiseConstant p && Arrays.equals(p.boundaries, boundaries)
        && Arrays.equals(p.values, values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(boundaries) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "PiecewiseConstant[boundaries=" + Arrays.toString(boundaries) + ", values=" + Arrays.toString(values) + "]";
  }
}
