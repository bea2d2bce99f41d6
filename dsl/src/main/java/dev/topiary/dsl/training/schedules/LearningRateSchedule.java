package dev.topiary.dsl.training.schedules;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * A learning rate as a function of the optimizer step (the number of training steps completed before
 * the current one, Keras' {@code optimizer.iterations}; 0 for the first update), in two equal forms:
 * plain Java ({@link #at(long)}) and graph ops on the int64 step ({@link #at(Ops, Operand)}), which an
 * optimizer built with a schedule evaluates inside every training step.
 *
 * <p>Both forms compute in double precision; the ops cast the result to float32 at the end, so
 * {@code (float) at(step)} equals the ops' value. Keras computes in float32, so its values may differ
 * from ours in the last float32 bits.
 *
 * <p>The built-ins are Keras' {@link ExponentialDecay}, {@link CosineDecay} (with linear warmup) and
 * {@link PiecewiseConstant} ({@code PiecewiseConstantDecay}).
 */
public interface LearningRateSchedule {

  /** The learning rate used by the update of step {@code step} (>= 0). */
  double at(long step);

  /** The same value as ops: float64 math on {@code step}, cast to float32. */
  default Operand<TFloat32> at(Ops tf, Operand<TInt64> step) {
    return tf.dtypes.cast(compute(tf, tf.dtypes.cast(step, TFloat64.class)), TFloat32.class);
  }

  /** The value in float64 ops, from the step as float64. */
  Operand<TFloat64> compute(Ops tf, Operand<TFloat64> step);

  /** Keras' {@code ExponentialDecay}. */
  static ExponentialDecay exponentialDecay(double initialLearningRate, long decaySteps, double decayRate,
      boolean staircase) {
    return new ExponentialDecay(initialLearningRate, decaySteps, decayRate, staircase);
  }

  /** Keras' {@code CosineDecay} without warmup, alpha 0. */
  static CosineDecay cosineDecay(double initialLearningRate, long decaySteps) {
    return CosineDecay.of(initialLearningRate, decaySteps);
  }

  /** Keras' {@code PiecewiseConstantDecay}. */
  static PiecewiseConstant piecewiseConstant(long[] boundaries, double[] values) {
    return new PiecewiseConstant(boundaries, values);
  }
}
