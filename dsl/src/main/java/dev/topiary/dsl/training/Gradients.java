package dev.topiary.dsl.training;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.nn.SparseSoftmaxCrossEntropyWithLogits;
import org.tensorflow.types.TFloat32;

/**
 * Gradients that TF Java 1.1 lacks, registered once per process. SparseSoftmaxCrossEntropyWithLogits:
 * d loss / d logits = upstream[:, None] * backprop (the op's second output); labels get zeros.
 */
final class Gradients {
  private static boolean registered;

  private Gradients() {}

  @SuppressWarnings("unchecked")
  static synchronized void ensureRegistered() {
    if (registered) {
      return;
    }
    TensorFlow.registerCustomGradient(SparseSoftmaxCrossEntropyWithLogits.OP_NAME, (tf, op, upstream) -> {
      Operand<TFloat32> lossGrad = (Operand<TFloat32>) upstream.get(0);
      Operand<TFloat32> backprop = (Operand<TFloat32>) (Operand<?>) op.output(1);
      Operand<TFloat32> logitsGrad = tf.math.mul(tf.expandDims(lossGrad, tf.constant(-1)), backprop);
      // TF Java needs an operand for every input; integer labels get zeros, which nothing consumes.
      return Arrays.asList(logitsGrad, tf.zerosLike(op.input(1)));
    });
    registered = true;
  }

}
