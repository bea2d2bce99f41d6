package dev.topiary.dsl.training;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** The accuracies behind {@link Metric}'s constants. */
enum BuiltInMetric implements Metric {
  ACCURACY,
  SPARSE_CATEGORICAL_ACCURACY,
  CATEGORICAL_ACCURACY,
  BINARY_ACCURACY;

  @Override
  public Metric resolve(Loss loss) {
    if (this != ACCURACY) {
      return this;
    }
    Metric resolved = loss.accuracy();
    if (resolved == ACCURACY) {
      throw new IllegalArgumentException(loss.kerasName() + ".accuracy() must name a concrete metric, not ACCURACY");
    }
    return resolved;
  }

  @Override
  public String logName() {
    return "accuracy";
  }

  @Override
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels, Loss loss) {
    Metric resolved = resolve(loss);
    if (!(resolved instanceof BuiltInMetric builtIn)) {
      return resolved.perExample(tf, output, labels, loss);
    }
    switch (builtIn) {
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
