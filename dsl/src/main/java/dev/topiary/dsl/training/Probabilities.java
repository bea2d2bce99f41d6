package dev.topiary.dsl.training;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Small helpers shared by the losses and metrics. */
final class Probabilities {
  private Probabilities() {}

  static Operand<TFloat32> clip(Ops tf, Operand<TFloat32> p) {
    return tf.clipByValue(p, tf.constant(Loss.EPSILON), tf.constant(1 - Loss.EPSILON));
  }

  @SuppressWarnings("unchecked")
  static Operand<TFloat32> floats(Operand<?> labels) {
    return (Operand<TFloat32>) labels;
  }
}
