package dev.topiary.samples.mnist;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The results as a text table and as JSON. Over several seeds (one list of rows per seed, the same
 * variants in the same order), accuracies are given as mean (min - max); sizes, sparsities and times
 * are the first seed's.
 */
public final class ResultsTable {
  private ResultsTable() {}

  /** Mean, min and max of one value over the seeds. */
  public record Spread(double mean, double min, double max, List<Double> values) {
    static Spread of(List<Double> values) {
      return new Spread(values.stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
          values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
          values.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), List.copyOf(values));
    }
  }

  /** Test accuracy of row {@code i} over the runs. */
  public static Spread accuracy(List<List<MnistPruning.Row>> runs, int i) {
    return Spread.of(runs.stream().map(r -> r.get(i).testAccuracy()).toList());
  }

  static Spread int8Accuracy(List<List<MnistPruning.Row>> runs, int i) {
    return Spread.of(runs.stream().map(r -> r.get(i).int8Accuracy()).toList());
  }

  public static String format(List<MnistPruning.Row> rows) {
    return formatRuns(List.of(rows));
  }

  /** One run: today's table; several: accuracies as mean (min - max). */
  public static String formatRuns(List<List<MnistPruning.Row>> runs) {
    boolean spread = runs.size() > 1;
    List<MnistPruning.Row> rows = runs.get(0);
    StringBuilder b = new StringBuilder();
    String acc = spread ? "%-24s" : "%13s";
    String fmt = "| %-22s | " + acc + " | %-44s | %9s | %11s | %16s | %17s | " + acc + " | %9s |%n";
    b.append(String.format(Locale.ROOT, fmt, "model", spread ? "test accuracy (min - max)" : "test accuracy",
        "measured sparsity per pruned weight", "gzip size", "compression", "sparse f32 gzip", "sparse int8 gzip",
        "int8 accuracy", "train (s)"));
    String accDash = spread ? "--------------------------" : "---------------";
    b.append("|------------------------|" + accDash + "|----------------------------------------------|-----------|"
        + "-------------|------------------|-------------------|" + accDash + "|-----------|\n");
    int dense = rows.get(0).gzipBytes();
    for (int i = 0; i < rows.size(); i++) {
      MnistPruning.Row r = rows.get(i);
      b.append(String.format(Locale.ROOT, fmt, r.model(), value(accuracy(runs, i), spread),
          sparsity(r.sparsity()), String.format(Locale.ROOT, "%,d B", r.gzipBytes()),
          String.format(Locale.ROOT, "%.2fx", r.compressionRatio()),
          String.format(Locale.ROOT, "%,d B %.1fx", r.sparseGzipBytes(), (double) dense / r.sparseGzipBytes()),
          String.format(Locale.ROOT, "%,d B %.1fx", r.int8GzipBytes(), r.int8Ratio(dense)),
          value(int8Accuracy(runs, i), spread), String.format(Locale.ROOT, "%.1f", r.trainSeconds())));
    }
    return b.toString();
  }

  private static String value(Spread s, boolean spread) {
    return spread ? String.format(Locale.ROOT, "%.4f (%.4f - %.4f)", s.mean(), s.min(), s.max())
        : String.format(Locale.ROOT, "%.4f", s.mean());
  }

  private static String sparsity(Map<String, Double> s) {
    return s.isEmpty() ? "-" : s.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
  }

  /**
   * One object per variant: the first seed's fields, {@code "method"}, the seeds, and the test
   * accuracy as the mean over them with its min, max and per-seed values.
   */
  public static String json(List<List<MnistPruning.Row>> runs, long firstSeed) {
    List<MnistPruning.Row> rows = runs.get(0);
    String seeds = java.util.stream.LongStream.range(firstSeed, firstSeed + runs.size()).mapToObj(Long::toString)
        .collect(Collectors.joining(", ", "[", "]"));
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      MnistPruning.Row r = rows.get(i);
      Spread a = accuracy(runs, i);
      out.add(String.format(Locale.ROOT,
          "  {\"model\": \"%s\", \"method\": \"%s\", \"target_sparsity\": %s, \"test_accuracy\": %s,"
              + " \"test_accuracy_min\": %s, \"test_accuracy_max\": %s, \"test_accuracy_per_seed\": %s,"
              + " \"seeds\": %s, \"sparsity\": {%s},"
              + " \"gzip_bytes\": %d, \"compression_ratio\": %s, \"train_seconds\": %s,"
              + " \"sparse_float32_gzip_bytes\": %d, \"sparse_int8_gzip_bytes\": %d, \"int8_accuracy\": %s}",
          r.model(), r.method(), r.targetSparsity(), a.mean(), a.min(), a.max(),
          a.values().stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]")), seeds,
          r.sparsity().entrySet().stream().map(e -> "\"" + e.getKey() + "\": " + e.getValue())
              .collect(Collectors.joining(", ")),
          r.gzipBytes(), r.compressionRatio(), r.trainSeconds(), r.sparseGzipBytes(), r.int8GzipBytes(),
          int8Accuracy(runs, i).mean()));
    }
    return out.stream().collect(Collectors.joining(",\n", "[\n", "\n]\n"));
  }
}
