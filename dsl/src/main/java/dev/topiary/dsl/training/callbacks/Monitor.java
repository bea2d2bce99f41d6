package dev.topiary.dsl.training.callbacks;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** A monitored metric: its name, its direction, and its value in an epoch's logs (or a clear error). */
final class Monitor {
  private final String owner;
  private final String name;
  private final boolean higherIsBetter;

  Monitor(String owner, String name, Mode mode) {
    this.owner = owner;
    this.name = Objects.requireNonNull(name, "monitor");
    if (name.isBlank()) {
      throw new IllegalArgumentException(owner + ": the monitored metric's name must not be blank");
    }
    this.higherIsBetter = switch (Objects.requireNonNull(mode, "mode")) {
      case MIN -> false;
      case MAX -> true;
      case AUTO -> auto(owner, name);
    };
  }

  private static boolean auto(String owner, String monitor) {
    String metric = (monitor.startsWith("val_") ? monitor.substring(4) : monitor).toLowerCase(Locale.ROOT);
    if (metric.contains("loss") || metric.contains("error") || metric.contains("crossentropy")) {
      return false;
    }
    if (metric.contains("acc") || metric.contains("auc") || metric.contains("precision") || metric.contains("recall")) {
      return true;
    }
    throw new IllegalArgumentException(owner + " cannot tell whether '" + monitor + "' should go down or up: pass"
        + " Mode.MIN or Mode.MAX");
  }

  String name() {
    return name;
  }

  boolean higherIsBetter() {
    return higherIsBetter;
  }

  /** The worst possible value: anything finite improves on it. */
  double worst() {
    return higherIsBetter ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
  }

  /**
   * The metric's value in {@code logs}.
   *
   * @throws IllegalStateException naming the metric and the available ones when it is missing
   */
  double value(Map<String, Double> logs) {
    Double v = logs.get(name);
    if (v == null) {
      throw new IllegalStateException(owner + " monitors '" + name + "', which is not in this epoch's logs; available: "
          + logs.keySet() + (name.startsWith("val_") ? " (val_ metrics need validation data or a validation split)" : ""));
    }
    return v;
  }

  /** True if {@code current} beats {@code reference} by more than {@code minDelta} (>= 0) in this direction. */
  boolean improves(double current, double reference, double minDelta) {
    return higherIsBetter ? current - minDelta > reference : current + minDelta < reference;
  }
}
