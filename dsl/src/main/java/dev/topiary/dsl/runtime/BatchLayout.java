package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.HostArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How batches meet a model: their arrays in the model's input and output order (by name when the
 * batch names them), the loss weights of a batch, class indices of labels, and the example-weighted
 * running means of batch logs. Shared by fit, evaluate and predict in every execution mode.
 */
final class BatchLayout {
  private final ModelSpec spec;

  BatchLayout(ModelSpec spec) {
    this.spec = spec;
  }

  /** A batch's input arrays in the model's input order (matched by name when the batch names them). */
  List<HostArray> inputs(Batch batch) {
    if (batch.inputNames() == null) {
      return batch.inputs();
    }
    List<HostArray> out = new ArrayList<>();
    for (Node in : spec.inputs()) {
      int i = batch.inputNames().indexOf(spec.inputName(in));
      if (i < 0) {
        throw new IllegalArgumentException("the batch has no input named '" + spec.inputName(in) + "'; it has "
            + batch.inputNames());
      }
      out.add(batch.inputs().get(i));
    }
    return out;
  }

  /** A batch's label arrays in the model's output order (matched by name when the batch names them). */
  List<HostArray> labels(Batch batch) {
    if (batch.labelNames() == null) {
      return batch.labels();
    }
    List<HostArray> out = new ArrayList<>();
    for (int o = 0; o < spec.outputs().size(); o++) {
      int i = batch.labelNames().indexOf(spec.outputName(o));
      if (i < 0) {
        throw new IllegalArgumentException("the batch has no labels for output '" + spec.outputName(o) + "'; it has "
            + batch.labelNames());
      }
      out.add(batch.labels().get(i));
    }
    return out;
  }

  /**
   * The loss weights of a training batch: its sample weights times the class weight of each
   * example's class; null when neither is given (every example weighs 1).
   */
  static @Nullable HostArray weights(Batch batch, List<HostArray> labels, Map<Integer, Double> classWeights) {
    HostArray sample = batch.sampleWeights();
    if (classWeights.isEmpty()) {
      return sample;
    }
    if (labels.size() != 1) {
      throw new IllegalArgumentException("class weights need a single-output model; this one has " + labels.size()
          + " outputs (give sample weights instead)");
    }
    int[] classes = classes(labels.get(0));
    float[] w = sample == null ? null : sample.floats();
    float[] out = new float[classes.length];
    for (int i = 0; i < out.length; i++) {
      double c = classWeights.getOrDefault(classes[i], 1.0);
      out[i] = (float) (w == null ? c : w[i] * c);
    }
    return HostArray.of(out, out.length);
  }

  /** Class indices of labels: integer labels as they are, one-hot rows by argmax, one float by rounding. */
  static int[] classes(HostArray labels) {
    if (labels.isIntegral()) {
      return labels.ints();
    }
    long[] shape = labels.shape();
    int width = shape.length < 2 ? 1 : (int) shape[shape.length - 1];
    float[] v = labels.floats();
    if (width > 1) {
      return argmaxRows(v, width);
    }
    int[] out = new int[v.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.round(v[i]);
    }
    return out;
  }

  /** The index of the largest value in each row of {@code width} values (the first on ties). */
  static int[] argmaxRows(float[] values, int width) {
    int[] out = new int[values.length / width];
    for (int i = 0; i < out.length; i++) {
      int best = 0;
      for (int c = 1; c < width; c++) {
        if (values[i * width + c] > values[i * width + best]) {
          best = c;
        }
      }
      out[i] = best;
    }
    return out;
  }

  static List<HostArray> slice(List<HostArray> arrays, int from, int to) {
    return arrays.stream().map(a -> a.slice(from, to)).toList();
  }

  static List<HostArray> gather(List<HostArray> arrays, int[] idx) {
    return arrays.stream().map(a -> a.gather(idx)).toList();
  }

  /** Example-weighted running means of batch logs. */
  static final class Averages {
    private final Map<String, Double> sums = new LinkedHashMap<>();
    private long count;

    void add(Map<String, Double> batch, int examples) {
      batch.forEach((k, v) -> sums.merge(k, v * examples, Double::sum));
      count += examples;
    }

    boolean isEmpty() {
      return count == 0;
    }

    Map<String, Double> means() {
      Map<String, Double> out = new LinkedHashMap<>();
      sums.forEach((k, v) -> out.put(k, v / count));
      return out;
    }
  }

  /**
   * The size-weighted fraction of zeros over all pruned weights of {@code spec}, from each one's
   * ({@code perWeight}, by variable name), or null without pruning.
   */
  static @Nullable Double overallSparsity(ModelSpec spec, Map<String, Double> perWeight) {
    if (perWeight.isEmpty()) {
      return null;
    }
    Map<String, Long> sizes = new LinkedHashMap<>();
    spec.layers().forEach(l -> spec.weights(l).forEach(w -> sizes.put(spec.variableName(l, w.name()), w.shape().size())));
    double zeros = 0;
    long total = 0;
    for (var e : perWeight.entrySet()) {
      zeros += e.getValue() * sizes.get(e.getKey());
      total += sizes.get(e.getKey());
    }
    return zeros / total;
  }
}
