package dev.topiary.dsl.training;

import java.util.List;
import java.util.Objects;

/**
 * How a model trains: optimizer, loss, metrics and the seed that fixes initial weights, shuffling
 * and dropout. Immutable; {@code Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
 * .metrics(Metric.ACCURACY).seed(42)}.
 */
public record Compile(Optimizer optimizer, Loss loss, List<Metric> metrics, long seed) {
  public Compile {
    Objects.requireNonNull(optimizer, "Compile: optimizer must not be null");
    Objects.requireNonNull(loss, "Compile: loss must not be null");
    Objects.requireNonNull(metrics, "Compile: metrics must not be null");
    for (int i = 0; i < metrics.size(); i++) {
      Objects.requireNonNull(metrics.get(i), "Compile: metrics[" + i + "] must not be null");
    }
    metrics = List.copyOf(metrics);
    for (Metric m : metrics) {
      m.resolve(loss); // fails now if the metric does not fit the loss
    }
  }

  public static Compile of(Optimizer optimizer, Loss loss) {
    return new Compile(optimizer, loss, List.of(), 0L);
  }

  public Compile metrics(Metric... metrics) {
    Objects.requireNonNull(metrics, "Compile.metrics: metrics must not be null");
    return new Compile(optimizer, loss, java.util.Arrays.asList(metrics), seed);
  }

  public Compile seed(long seed) {
    return new Compile(optimizer, loss, metrics, seed);
  }

  public Compile optimizer(Optimizer optimizer) {
    return new Compile(optimizer, loss, metrics, seed);
  }

  /**
   * {@code Compile(optimizer=Adam[learningRate=0.001, ...], loss=sparse_categorical_crossentropy(from_logits=true),
   * metrics=[accuracy], seed=42)}.
   */
  @Override
  public String toString() {
    String lossText = loss.kerasName();
    if (loss instanceof Record r) {
      // The built-in losses are records: their settings (e.g. fromLogits) follow the Keras name.
      String settings = r.toString();
      int open = settings.indexOf('[');
      if (open >= 0 && settings.length() > open + 2) {
        lossText += "(" + settings.substring(open + 1, settings.length() - 1) + ")";
      }
    }
    return "Compile(optimizer=" + optimizer + ", loss=" + lossText + ", metrics="
        + metrics.stream().map(Metric::logName).toList() + ", seed=" + seed + ")";
  }
}
