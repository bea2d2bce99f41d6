package dev.topiary.dsl.training;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What {@code fit} returns: one map of logs per finished epoch, as Keras' {@code History.history}. */
public record History(List<Map<String, Double>> epochs) {
  public History {
    epochs = List.copyOf(epochs);
  }

  /** The values of {@code metric} (e.g. "loss", "val_accuracy") over the epochs. */
  public double[] metric(String metric) {
    double[] out = new double[epochs.size()];
    for (int i = 0; i < out.length; i++) {
      Double v = epochs.get(i).get(metric);
      if (v == null) {
        throw new IllegalArgumentException("no metric '" + metric + "' in the history; recorded: " + metricNames());
      }
      out[i] = v;
    }
    return out;
  }

  /** The last epoch's value of {@code metric}. */
  public double last(String metric) {
    double[] values = metric(metric);
    if (values.length == 0) {
      throw new IllegalStateException("no epoch finished");
    }
    return values[values.length - 1];
  }

  public Set<String> metricNames() {
    Set<String> names = new LinkedHashSet<>();
    epochs.forEach(e -> names.addAll(e.keySet()));
    return names;
  }

  /** {@code History(3 epochs; last: loss=0.1234, accuracy=0.9500)}, or {@code History(no epochs)}. */
  @Override
  public String toString() {
    if (epochs.isEmpty()) {
      return "History(no epochs)";
    }
    StringBuilder b = new StringBuilder("History(").append(epochs.size()).append(epochs.size() == 1 ? " epoch" : " epochs")
        .append("; last:");
    String sep = " ";
    for (Map.Entry<String, Double> e : epochs.get(epochs.size() - 1).entrySet()) {
      b.append(sep).append(e.getKey()).append('=').append(String.format(java.util.Locale.ROOT, "%.4f", e.getValue()));
      sep = ", ";
    }
    return b.append(')').toString();
  }
}
