package dev.topiary.dsl.training;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** Metrics computed per example in the graph and averaged over an epoch on the host. */
public enum Metric {
  /** The accuracy that fits the loss, as Keras' {@code "accuracy"}. */
  ACCURACY,
  SPARSE_CATEGORICAL_ACCURACY,
  CATEGORICAL_ACCURACY,
  /** Output above 0.5 (probabilities) or 0 (logits) counts as 1. */
  BINARY_ACCURACY;

  /** This metric made concrete for {@code loss} (resolves {@link #ACCURACY}). */
  public Metric resolve(Loss loss) {
    return this == ACCURACY ? loss.accuracy() : this;
  }

  /** Log name, as Keras: {@code accuracy} for every accuracy kind. */
  public String logName() {
    return "accuracy";
  }

  /** Per-example score in [0, 1], shape (batch,). */
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels, Loss loss) {
    switch (resolve(loss)) {
      case SPARSE_CATEGORICAL_ACCURACY: {
        Operand<TInt32> predicted = tf.math.argMax(output, tf.constant(-1), TInt32.class);
        return tf.dtypes.cast(tf.math.equal(predicted, (Operand<TInt32>) labels), TFloat32.class);
      }
      case CATEGORICAL_ACCURACY: {
        Operand<TInt64> predicted = tf.math.argMax(output, tf.constant(-1));
        Operand<TInt64> actual = tf.math.argMax((Operand<TFloat32>) labels, tf.constant(-1));
        return tf.dtypes.cast(tf.math.equal(predicted, actual), TFloat32.class);
      }
      case BINARY_ACCURACY: {
        boolean logits = loss instanceof Loss.BinaryCrossentropy b && b.fromLogits();
        Operand<TFloat32> z = tf.reshape((Operand<TFloat32>) labels, tf.shape(output));
        Operand<TFloat32> predicted =
            tf.dtypes.cast(tf.math.greater(output, tf.constant(logits ? 0f : 0.5f)), TFloat32.class);
        Operand<TFloat32> hit = tf.dtypes.cast(
            tf.math.equal(predicted, tf.dtypes.cast(tf.math.greater(z, tf.constant(0.5f)), TFloat32.class)),
            TFloat32.class);
        return tf.math.mean(hit, tf.constant(-1));
      }
      default:
        throw new IllegalStateException("unresolved metric " + this);
    }
  }
}
