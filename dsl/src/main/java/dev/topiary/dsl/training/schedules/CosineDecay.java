package dev.topiary.dsl.training.schedules;

import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

/**
 * Keras 3's {@code CosineDecay}, with optional linear warmup.
 *
 * <p>Without warmup ({@code warmupTarget} null): the rate decays from {@code initialLearningRate} to
 * {@code initialLearningRate * alpha} over {@code decaySteps} steps, {@code lr * ((1 - alpha) * 0.5 *
 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha)}, then stays there.
 *
 * <p>With warmup: for {@code step < warmupSteps} the rate rises linearly from
 * {@code initialLearningRate} to {@code warmupTarget}; then it decays as above from
 * {@code warmupTarget}, counting steps from the warmup's end.
 *
 * @param decaySteps > 0
 * @param alpha the final rate as a fraction of the decay's start
 * @param warmupTarget the rate at the warmup's end, or null for no warmup
 * @param warmupSteps the warmup's length (ignored without a warmup target)
 */
public record CosineDecay(double initialLearningRate, long decaySteps, double alpha, @Nullable Double warmupTarget,
    long warmupSteps) implements LearningRateSchedule {
  public CosineDecay {
    // Keras allows 0 here: a warmup from 0 is the common case.
    Checks.requireNonNegative("CosineDecay initial learning rate", initialLearningRate);
    if (decaySteps <= 0) {
      throw new IllegalArgumentException("CosineDecay decay steps must be > 0, got " + decaySteps);
    }
    Checks.requireNonNegative("CosineDecay alpha", alpha);
    if (warmupTarget != null) {
      Checks.requirePositive("CosineDecay warmup target", warmupTarget);
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("CosineDecay warmup steps must be >= 0, got " + warmupSteps);
    }
  }

  /** Decay from {@code initialLearningRate} to 0 over {@code decaySteps}, no warmup. */
  public static CosineDecay of(double initialLearningRate, long decaySteps) {
    return new CosineDecay(initialLearningRate, decaySteps, 0, null, 0);
  }

  /** Decay from {@code initialLearningRate} to {@code initialLearningRate * alpha}, no warmup. */
  public static CosineDecay of(double initialLearningRate, long decaySteps, double alpha) {
    return new CosineDecay(initialLearningRate, decaySteps, alpha, null, 0);
  }

  /** Warm up linearly from {@code initialLearningRate} to {@code warmupTarget}, then decay. */
  public static CosineDecay withWarmup(double initialLearningRate, long decaySteps, double alpha, double warmupTarget,
      long warmupSteps) {
    return new CosineDecay(initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps);
  }

  @Override
  public double at(long step) {
    double s = step;
    if (warmupTarget == null) {
      return decay(Math.min(s, decaySteps), initialLearningRate);
    }
    s = Math.min(s, (double) decaySteps + warmupSteps);
    if (s < warmupSteps) {
      return (warmupTarget - initialLearningRate) * (s / warmupSteps) + initialLearningRate;
    }
    return decay(s - warmupSteps, warmupTarget);
  }

  private double decay(double s, double from) {
    double cosine = 0.5 * (1.0 + Math.cos(Math.PI * (s / decaySteps)));
    return from * ((1 - alpha) * cosine + alpha);
  }

  @Override
  public Operand<TFloat64> compute(Ops tf, Operand<TFloat64> step) {
    if (warmupTarget == null) {
      return decay(tf, tf.math.minimum(step, tf.constant((double) decaySteps)), initialLearningRate);
    }
    Operand<TFloat64> s = tf.math.minimum(step, tf.constant((double) decaySteps + warmupSteps));
    Operand<TFloat64> warmupLength = tf.constant((double) warmupSteps);
    // Both branches are computed and one is selected; the warmup's is NaN when warmupSteps is 0, and unused.
    Operand<TFloat64> warmup = tf.math.add(tf.math.mul(tf.constant(warmupTarget - initialLearningRate),
        tf.math.div(s, warmupLength)), tf.constant(initialLearningRate));
    Operand<TFloat64> decayed = decay(tf, tf.math.sub(s, warmupLength), warmupTarget);
    return tf.select(tf.math.less(s, warmupLength), warmup, decayed);
  }

  private Operand<TFloat64> decay(Ops tf, Operand<TFloat64> s, double from) {
    Operand<TFloat64> fraction = tf.math.div(s, tf.constant((double) decaySteps));
    Operand<TFloat64> cosine = tf.math.mul(tf.constant(0.5),
        tf.math.add(tf.constant(1.0), tf.math.cos(tf.math.mul(tf.constant(Math.PI), fraction))));
    return tf.math.mul(tf.constant(from), tf.math.add(tf.math.mul(tf.constant(1 - alpha), cosine), tf.constant(alpha)));
  }
}
