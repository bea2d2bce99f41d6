package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Metric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The loss and metric ops of one pass, each a batch mean, named as the logs name them ({@code loss},
 * {@code accuracy}, {@code <output>_accuracy} for several outputs). Graph and eager executors build
 * them through {@link #of}, so both report the same numbers under the same names.
 *
 * @param loss the sum over outputs of each output's mean per-example loss
 * @param metrics metric means by log name, in the order the logs list them
 */
public record Objectives(Operand<TFloat32> loss, Map<String, Operand<TFloat32>> metrics) {

  public Objectives {
    metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }

  /**
   * The objectives of {@code outputs} (one per model output) against {@code labels}, the loss
   * weighted per example by {@code sampleWeights} ([batch] floats) as Keras' {@code sample_weight}:
   * {@code mean(weight * loss)} over the batch (Keras' "sum over batch size"). Metrics are not
   * weighted (Keras' {@code metrics}, as opposed to {@code weighted_metrics}). Weights of one leave
   * the loss and its gradients bit for bit as without weights.
   */
  public static Objectives of(Ops tf, ModelSpec spec, Compile compile, List<Operand<TFloat32>> outputs,
      List<? extends Operand<?>> labels, Operand<TFloat32> sampleWeights) {
    Operand<TFloat32> loss = null;
    Map<String, Operand<TFloat32>> metrics = new LinkedHashMap<>();
    for (int i = 0; i < outputs.size(); i++) {
      Operand<TFloat32> perExample = tf.math.mul(compile.loss().perExample(tf, outputs.get(i), labels.get(i)),
          sampleWeights);
      Operand<TFloat32> mean = tf.math.mean(perExample, tf.constant(0));
      loss = loss == null ? mean : tf.math.add(loss, mean);
      for (Metric metric : compile.metrics()) {
        metrics.put(logName(spec, outputs.size(), i, metric),
            meanOverAll(tf, metric.perExample(tf, outputs.get(i), labels.get(i), compile.loss())));
      }
    }
    return new Objectives(loss, metrics);
  }

  /**
   * The mean over every axis: per example for rank-1 values, per position and example for a
   * sequence output's per-position values (Keras' metrics average over both). For rank 1 this is the
   * same reduction over axis 0 as before.
   */
  private static Operand<TFloat32> meanOverAll(Ops tf, Operand<TFloat32> values) {
    int rank = values.shape().numDimensions();
    if (rank == 1) {
      return tf.math.mean(values, tf.constant(0));
    }
    return tf.math.mean(values, tf.range(tf.constant(0), tf.rank(values), tf.constant(1)));
  }

  private static String logName(ModelSpec spec, int outputs, int output, Metric metric) {
    return (outputs == 1 ? "" : spec.outputName(output) + "_") + metric.logName();
  }

  /** Every op in log order: the loss first, then the metrics. */
  public List<Operand<TFloat32>> all() {
    List<Operand<TFloat32>> out = new java.util.ArrayList<>();
    out.add(loss);
    out.addAll(metrics.values());
    return out;
  }

  /** Log names in the order of {@link #all()}. */
  public List<String> names() {
    List<String> out = new java.util.ArrayList<>();
    out.add("loss");
    out.addAll(metrics.keySet());
    return out;
  }
}
