package dev.topiary.report;

import dev.topiary.ops.schedule.ScheduleDecision;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts, built with XChart; one place for their look. */
final class Charts {
  static final int WIDTH = 900;
  static final int HEIGHT = 500;
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
      new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0x17becf), new Color(0x7f7f7f)};

  private Charts() {}

  private static void style(AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(true);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setLegendPosition(Styler.LegendPosition.InsideNW);
    s.setLegendBorderColor(Color.LIGHT_GRAY);
    s.setSeriesColors(COLORS);
    s.setAntiAlias(true);
    s.setPlotGridLinesColor(new Color(0xe0e0e0));
  }

  /** Sparsity against step for each schedule, with a marker at every mask-update step. */
  static XYChart schedules(List<PruningReport.Schedule> schedules) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Pruning schedule")
        .xAxisTitle("training step").yAxisTitle("target sparsity").build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    chart.getStyler().setYAxisDecimalPattern("0.00");
    int i = 0;
    for (PruningReport.Schedule s : schedules) {
      long last = Math.max(1, s.lastStep());
      long stride = Math.max(1, last / 2000);
      List<Long> steps = new ArrayList<>();
      List<Double> sparsity = new ArrayList<>();
      List<Long> updates = new ArrayList<>();
      List<Double> updateSparsity = new ArrayList<>();
      for (long step = 0; step <= last; step++) {
        ScheduleDecision d = s.schedule().at(step);
        if (step % stride == 0 || step == last) {
          steps.add(step);
          sparsity.add((double) d.sparsity());
        }
        if (d.shouldPrune()) {
          updates.add(step);
          updateSparsity.add((double) d.sparsity());
        }
      }
      Color color = COLORS[i++ % COLORS.length];
      long count = updates.size();
      XYSeries line = chart.addSeries(s.label() + " (dots: " + count + " mask updates)", steps, sparsity);
      line.setMarker(SeriesMarkers.NONE);
      line.setLineColor(color);
      line.setLineStyle(new BasicStroke(2.5f));
      if (!updates.isEmpty()) {
        XYSeries marks = chart.addSeries(s.label() + ": mask updates", updates, updateSparsity);
        marks.setShowInLegend(false);
        marks.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        marks.setMarker(SeriesMarkers.CIRCLE);
        marks.setMarkerColor(color);
      }
    }
    chart.getStyler().setMarkerSize(7);
    return chart;
  }

  /** Mean test accuracy against total sparsity, one line per method, each point's min - max over seeds as a bar. */
  static XYChart accuracy(List<PruningReport.Result> results) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Test accuracy against total sparsity")
        .xAxisTitle("sparsity of all pruned weights").yAxisTitle("test accuracy (bars: min - max over seeds)").build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
    chart.getStyler().setMarkerSize(8);
    chart.getStyler().setYAxisDecimalPattern("0.000");
    chart.getStyler().setXAxisDecimalPattern("0.00");
    Map<String, List<PruningReport.Result>> byMethod = new LinkedHashMap<>();
    List<PruningReport.Result> unpruned = new ArrayList<>();
    for (PruningReport.Result r : results) {
      if (!Double.isNaN(r.accuracy())) {
        (r.totalSparsity() == 0 ? unpruned : byMethod.computeIfAbsent(r.method(), m -> new ArrayList<>())).add(r);
      }
    }
    double lo = byMethod.values().stream().flatMap(List::stream).mapToDouble(PruningReport.Result::totalSparsity).min()
        .orElse(0);
    double hi = byMethod.values().stream().flatMap(List::stream).mapToDouble(PruningReport.Result::totalSparsity).max()
        .orElse(1);
    double pad = Math.max(0.01, (hi - lo) * 0.05);
    // The unpruned model as a reference line across the range (a point at 0 would squeeze the curves).
    for (PruningReport.Result r : unpruned) {
      XYSeries ref = chart.addSeries(r.name() + " " + String.format(Locale.ROOT, "%.4f", r.accuracy()),
          List.of(lo - pad, hi + pad), List.of(r.accuracy(), r.accuracy()));
      ref.setMarker(SeriesMarkers.NONE);
      ref.setLineColor(Color.GRAY);
      ref.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
    }
    double jitter = (hi - lo + 2 * pad) * 0.004; // side by side, so that the seed ranges do not hide each other
    int i = 0;
    for (Map.Entry<String, List<PruningReport.Result>> e : byMethod.entrySet()) {
      List<PruningReport.Result> rs = new ArrayList<>(e.getValue());
      rs.sort(java.util.Comparator.comparingDouble(PruningReport.Result::totalSparsity));
      Color color = COLORS[i++ % COLORS.length];
      XYSeries line = chart.addSeries(e.getKey(), rs.stream().map(PruningReport.Result::totalSparsity).toList(),
          rs.stream().map(PruningReport.Result::accuracy).toList());
      line.setLineColor(color);
      line.setMarkerColor(color);
      line.setMarker(SeriesMarkers.CIRCLE);
      line.setLineStyle(new BasicStroke(2f));
      int j = 0;
      double dx = (i - 1 - (byMethod.size() - 1) / 2.0) * jitter;
      for (PruningReport.Result r : rs) {
        if (r.max() > r.min()) {
          XYSeries bar = chart.addSeries(e.getKey() + " range " + j++,
              List.of(r.totalSparsity() + dx, r.totalSparsity() + dx),
              List.of(r.min(), r.max()));
          bar.setShowInLegend(false);
          bar.setMarker(SeriesMarkers.NONE);
          bar.setLineColor(color);
          bar.setLineStyle(new BasicStroke(3f));
        }
      }
    }
    return chart;
  }

  /** The measured sparsity of each pruned weight, one bar per result (the results at one total). */
  static CategoryChart sparsity(String title, List<PruningReport.Result> results) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("pruned weight").yAxisTitle("measured sparsity").build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    chart.getStyler().setYAxisDecimalPattern("0.000"); // the bar labels too: 0.953 against 0.950
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    chart.getStyler().setDecimalPattern("0.000");
    Set<String> weights = new LinkedHashSet<>();
    results.forEach(r -> weights.addAll(r.sparsity().keySet()));
    List<String> names = new ArrayList<>(weights);
    int chars = names.stream().mapToInt(String::length).sum();
    if (chars * 8 > WIDTH - 120) {
      chart.getStyler().setXAxisLabelRotation(25); // long names would overlap side by side
    }
    for (PruningReport.Result r : results) {
      chart.addSeries(r.name(), names, names.stream().map(w -> r.sparsity().getOrDefault(w, 0.0)).toList());
    }
    return chart;
  }

  /**
   * The share of a weight's magnitudes per bin before pruning and, for the weights it keeps, after;
   * a vertical line at the mask threshold.
   */
  static XYChart histogram(PruningReport.Histogram h) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Weight magnitudes: " + h.label())
        .xAxisTitle("|w|").yAxisTitle("share of the weights in each bin").build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setXAxisDecimalPattern("0.000");
    chart.getStyler().setYAxisDecimalPattern("0.000");
    float max = 0f;
    for (float v : h.after()) {
      max = Math.max(max, Math.abs(v));
    }
    if (h.before() != null) {
      for (float v : h.before()) {
        max = Math.max(max, Math.abs(v));
      }
    }
    int bins = 60;
    double width = max > 0 ? max / bins : 1;
    List<Double> centers = new ArrayList<>();
    for (int b = 0; b < bins; b++) {
      centers.add((b + 0.5) * width);
    }
    double top = 0;
    if (h.before() != null) {
      List<Double> share = shares(h.before(), false, bins, width);
      top = Math.max(top, share.stream().mapToDouble(Double::doubleValue).max().orElse(0));
      XYSeries s = chart.addSeries("before pruning (" + h.before().length + " weights)", centers, share);
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
      s.setMarker(SeriesMarkers.NONE);
      s.setFillColor(new Color(150, 150, 150, 110));
      s.setLineColor(Color.GRAY);
    }
    long kept = 0;
    for (float v : h.after()) {
      kept += v != 0f ? 1 : 0;
    }
    List<Double> share = shares(h.after(), true, bins, width);
    top = Math.max(top, share.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    XYSeries s = chart.addSeries("after pruning, kept (" + kept + " of " + h.after().length + ")", centers, share);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
    s.setMarker(SeriesMarkers.NONE);
    s.setFillColor(new Color(31, 119, 180, 120));
    s.setLineColor(COLORS[0]);
    if (!Float.isNaN(h.threshold()) && Float.isFinite(h.threshold())) {
      XYSeries t = chart.addSeries(String.format(Locale.ROOT, "threshold %.4g", h.threshold()),
          List.of((double) h.threshold(), (double) h.threshold()), List.of(0.0, top * 1.05));
      t.setMarker(SeriesMarkers.NONE);
      t.setLineColor(COLORS[1]);
      t.setLineStyle(new BasicStroke(2.5f));
    }
    return chart;
  }

  private static List<Double> shares(float[] values, boolean nonZeroOnly, int bins, double width) {
    long[] counts = new long[bins];
    long n = 0;
    for (float v : values) {
      if (nonZeroOnly && v == 0f) {
        continue;
      }
      int b = (int) Math.min(bins - 1, Math.abs(v) / width);
      counts[b]++;
      n++;
    }
    List<Double> out = new ArrayList<>();
    for (long c : counts) {
      out.add(n == 0 ? 0.0 : (double) c / n);
    }
    return out;
  }
}
