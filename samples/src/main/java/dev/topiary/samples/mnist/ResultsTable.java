package dev.topiary.samples.mnist;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The results as a text table and as JSON. */
public final class ResultsTable {
  private ResultsTable() {}

  public static String format(List<MnistPruning.Row> rows) {
    StringBuilder b = new StringBuilder();
    String fmt = "| %-22s | %13s | %-44s | %9s | %11s | %16s | %17s | %13s | %9s |%n";
    b.append(String.format(Locale.ROOT, fmt, "model", "test accuracy", "measured sparsity per pruned weight",
        "gzip size", "compression", "sparse f32 gzip", "sparse int8 gzip", "int8 accuracy", "train (s)"));
    b.append("|------------------------|---------------|----------------------------------------------|-----------|-------------|------------------|-------------------|---------------|-----------|\n");
    int dense = rows.get(0).gzipBytes();
    for (MnistPruning.Row r : rows) {
      b.append(String.format(Locale.ROOT, fmt, r.model(), String.format(Locale.ROOT, "%.4f", r.testAccuracy()),
          sparsity(r.sparsity()), String.format(Locale.ROOT, "%,d B", r.gzipBytes()),
          String.format(Locale.ROOT, "%.2fx", r.compressionRatio()),
          String.format(Locale.ROOT, "%,d B %.1fx", r.sparseGzipBytes(), (double) dense / r.sparseGzipBytes()),
          String.format(Locale.ROOT, "%,d B %.1fx", r.int8GzipBytes(), r.int8Ratio(dense)),
          String.format(Locale.ROOT, "%.4f", r.int8Accuracy()), String.format(Locale.ROOT, "%.1f", r.trainSeconds())));
    }
    return b.toString();
  }

  private static String sparsity(Map<String, Double> s) {
    return s.isEmpty() ? "-" : s.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
  }

  public static String json(List<MnistPruning.Row> rows) {
    return rows.stream().map(r -> String.format(Locale.ROOT,
            "  {\"model\": \"%s\", \"target_sparsity\": %s, \"test_accuracy\": %s, \"sparsity\": {%s},"
                + " \"gzip_bytes\": %d, \"compression_ratio\": %s, \"train_seconds\": %s,"
                + " \"sparse_float32_gzip_bytes\": %d, \"sparse_int8_gzip_bytes\": %d, \"int8_accuracy\": %s}",
            r.model(), r.targetSparsity(), r.testAccuracy(),
            r.sparsity().entrySet().stream().map(e -> "\"" + e.getKey() + "\": " + e.getValue())
                .collect(Collectors.joining(", ")),
            r.gzipBytes(), r.compressionRatio(), r.trainSeconds(), r.sparseGzipBytes(), r.int8GzipBytes(),
            r.int8Accuracy()))
        .collect(Collectors.joining(",\n", "[\n", "\n]\n"));
  }
}
