package dev.topiary.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Renders a {@link PruningReport}: PNG files and one HTML page with the same images embedded. */
final class ReportWriter {
  private ReportWriter() {}

  static List<Path> write(PruningReport report, Path dir) throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true"); // no display needed to render
    }
    Files.createDirectories(dir);
    Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
    if (!report.schedules().isEmpty()) {
      charts.put("schedule", Charts.schedules(report.schedules()));
    }
    if (report.results().stream().anyMatch(r -> !Double.isNaN(r.accuracy()))) {
      charts.put("accuracy", Charts.accuracy(report.results()));
    }
    // One sparsity chart per total, over the rows with pruned weights.
    Map<String, List<PruningReport.Result>> byTotal = new TreeMap<>();
    for (PruningReport.Result r : report.results()) {
      if (!r.sparsity().isEmpty()) {
        byTotal.computeIfAbsent(String.format(Locale.ROOT, "%.3f", r.totalSparsity()), t -> new ArrayList<>()).add(r);
      }
    }
    byTotal.forEach((total, rows) -> charts.put("sparsity_" + total,
        Charts.sparsity("Sparsity per weight at total " + total, rows)));
    int i = 0;
    for (PruningReport.Histogram h : report.histograms()) {
      charts.put("histogram_" + i++, Charts.histogram(h));
    }

    List<Path> written = new ArrayList<>();
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(report.title()))
        .append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
            + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}img{max-width:100%}</style>"
            + "</head><body>\n<h1>").append(escape(report.title())).append("</h1>\n");
    resultsTable(report, html);
    sizesTable(report, html);
    for (Map.Entry<String, Chart<?, ?>> e : charts.entrySet()) {
      Path png = dir.resolve(e.getKey() + ".png");
      byte[] bytes = BitmapEncoder.getBitmapBytes(e.getValue(), BitmapEncoder.BitmapFormat.PNG);
      Files.write(png, bytes);
      written.add(png);
      html.append("<h2>").append(escape(e.getValue().getTitle())).append("</h2>\n<img alt=\"")
          .append(escape(e.getValue().getTitle())).append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(bytes)).append("\">\n");
    }
    html.append("</body></html>\n");
    Path index = dir.resolve("index.html");
    Files.writeString(index, html, StandardCharsets.UTF_8);
    written.add(0, index);
    return written;
  }

  private static void resultsTable(PruningReport report, StringBuilder html) {
    if (report.results().isEmpty()) {
      return;
    }
    Set<String> weights = new LinkedHashSet<>();
    report.results().forEach(r -> weights.addAll(r.sparsity().keySet()));
    html.append("<h2>Results</h2>\n<table><tr><th>model</th><th>method</th><th>total sparsity</th>"
        + "<th>test accuracy (min - max)</th>");
    weights.forEach(w -> html.append("<th>").append(escape(w)).append("</th>"));
    html.append("</tr>\n");
    for (PruningReport.Result r : report.results()) {
      html.append("<tr><td>").append(escape(r.name())).append("</td><td>").append(escape(r.method())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.4f", r.totalSparsity())).append("</td><td>")
          .append(Double.isNaN(r.accuracy()) ? "-" : r.max() > r.min()
              ? String.format(Locale.ROOT, "%.4f (%.4f - %.4f)", r.accuracy(), r.min(), r.max())
              : String.format(Locale.ROOT, "%.4f", r.accuracy()))
          .append("</td>");
      weights.forEach(w -> html.append("<td>").append(r.sparsity().containsKey(w)
          ? String.format(Locale.ROOT, "%.4f", r.sparsity().get(w)) : "-").append("</td>"));
      html.append("</tr>\n");
    }
    html.append("</table>\n");
  }

  private static void sizesTable(PruningReport report, StringBuilder html) {
    if (report.sizes().isEmpty()) {
      return;
    }
    long dense = report.sizes().get(0).denseGzipBytes();
    html.append("<h2>Sizes (gzip)</h2>\n<table><tr><th>model</th><th>float32</th><th>sparse float32</th>"
        + "<th>sparse int8</th><th>int8 vs first row's float32</th></tr>\n");
    for (PruningReport.Size s : report.sizes()) {
      html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%,d B</td><td>%,d B</td><td>%,d B</td><td>%.1fx</td></tr>%n",
          escape(s.label()), s.denseGzipBytes(), s.sparseFloat32GzipBytes(), s.sparseInt8GzipBytes(),
          (double) dense / s.sparseInt8GzipBytes()));
    }
    html.append("</table>\n");
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
