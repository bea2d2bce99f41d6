package dev.topiary.dsl.training;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A metric computed per example in the graph and averaged over an epoch on the host.
 *
 * <p>To add one, implement {@link #logName()} and {@link #perExample}; register it with
 * {@link TrainingRegistry#registerMetric} to save it in configs (a metric without settings can be
 * registered as a constant).
 */
public interface Metric {
  /** The accuracy that fits the loss, as Keras' {@code "accuracy"}. */
  Metric ACCURACY = BuiltInMetric.ACCURACY;
  Metric SPARSE_CATEGORICAL_ACCURACY = BuiltInMetric.SPARSE_CATEGORICAL_ACCURACY;
  Metric CATEGORICAL_ACCURACY = BuiltInMetric.CATEGORICAL_ACCURACY;
  /** Output above 0.5 (probabilities) or 0 (logits) counts as 1. */
  Metric BINARY_ACCURACY = BuiltInMetric.BINARY_ACCURACY;

  /**
   * This metric made concrete for {@code loss} ({@link #ACCURACY} becomes the loss's accuracy).
   *
   * @throws IllegalArgumentException if the metric does not fit the loss
   */
  default Metric resolve(Loss loss) {
    return this;
  }

  /** Log name, as Keras: {@code accuracy} for every accuracy kind. */
  String logName();

  /** Per-example score, shape (batch,). */
  Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels, Loss loss);
}
