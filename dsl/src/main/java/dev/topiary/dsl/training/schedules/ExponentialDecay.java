package dev.topiary.dsl.training.schedules;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

/**
 * Keras' {@code ExponentialDecay}: {@code initialLearningRate * decayRate ^ (step / decaySteps)}, the
 * exponent floored to an integer when {@code staircase}.
 *
 * @param decaySteps > 0
 */
public record ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, boolean staircase)
    implements LearningRateSchedule {
  public ExponentialDecay {
    Checks.requirePositive("ExponentialDecay initial learning rate", initialLearningRate);
    if (decaySteps <= 0) {
      throw new IllegalArgumentException("ExponentialDecay decay steps must be > 0, got " + decaySteps);
    }
    Checks.requirePositive("ExponentialDecay decay rate", decayRate);
  }

  @Override
  public double at(long step) {
    double p = (double) step / decaySteps;
    if (staircase) {
      p = Math.floor(p);
    }
    return initialLearningRate * Math.pow(decayRate, p);
  }

  @Override
  public Operand<TFloat64> compute(Ops tf, Operand<TFloat64> step) {
    Operand<TFloat64> p = tf.math.div(step, tf.constant((double) decaySteps));
    if (staircase) {
      p = tf.math.floor(p);
    }
    return tf.math.mul(tf.constant(initialLearningRate), tf.math.pow(tf.constant(decayRate), p));
  }
}
