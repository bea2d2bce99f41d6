package dev.topiary.samples.mnist;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.PruningState;
import dev.topiary.ops.schedule.PruningSchedule;
import dev.topiary.report.PruningReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The main job's {@code --report DIR}: while the first seed runs, keeps for the highest target of
 * each method its schedules and its weights before and after; at the end adds every row (accuracy
 * over all seeds) and writes the page.
 */
final class MnistReport implements MnistPruning.Listener {
  private final double highest;
  private final Map<String, Captured> captured = new LinkedHashMap<>();

  private record Captured(String variant, Map<String, PruningSchedule> schedules, Map<String, float[]> before,
      Map<String, float[]> after, Map<String, Float> thresholds, long steps) {}

  MnistReport(List<Double> targets) {
    this.highest = targets.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }

  @Override
  public void finished(MnistPruning.Variant variant, Model pruned, Map<String, HostArray> denseWeights) {
    if (variant.target() != highest || captured.containsKey(variant.method())) {
      return;
    }
    Map<String, PruningSchedule> schedules = new LinkedHashMap<>();
    Map<String, float[]> before = new LinkedHashMap<>();
    Map<String, float[]> after = new LinkedHashMap<>();
    Map<String, Float> thresholds = new LinkedHashMap<>();
    Map<String, HostArray> weights = pruned.weights();
    var state = pruned.snapshot();
    for (Map.Entry<String, PruningSpec> e : pruned.spec().prunedWeights().entrySet()) {
      String name = e.getKey();
      schedules.put(name, e.getValue().schedule());
      before.put(name, denseWeights.get(name).floats());
      after.put(name, weights.get(name).floats());
      thresholds.put(name, state.get(PruningState.thresholdName(name)).floats()[0]);
    }
    captured.put(variant.method(), new Captured(variant.name(), schedules, before, after, thresholds, pruned.step()));
  }

  /** Zeros over size across the row's pruned weights ({@code sizes}: element counts by variable name). */
  static double total(MnistPruning.Row row, Map<String, Long> sizes) {
    double zeros = 0;
    long n = 0;
    for (Map.Entry<String, Double> e : row.sparsity().entrySet()) {
      zeros += e.getValue() * sizes.get(e.getKey());
      n += sizes.get(e.getKey());
    }
    return n == 0 ? 0 : zeros / n;
  }

  void write(Path dir, List<List<MnistPruning.Row>> runs, String title, Map<String, Long> sizes) throws IOException {
    PruningReport report = PruningReport.titled(title + (runs.size() > 1 ? " (" + runs.size() + " seeds)" : ""));
    for (Captured c : captured.values()) {
      // One curve per distinct schedule (a whole-model mark shares one; sensitivity targets differ per layer).
      List<PruningSchedule> drawn = new ArrayList<>();
      for (Map.Entry<String, PruningSchedule> s : c.schedules().entrySet()) {
        if (!drawn.contains(s.getValue())) {
          drawn.add(s.getValue());
          boolean shared = c.schedules().values().stream().allMatch(s.getValue()::equals);
          report = report.withSchedule(c.variant() + (shared ? "" : " (" + s.getKey() + ")"), s.getValue(), c.steps());
        }
      }
    }
    List<MnistPruning.Row> rows = runs.get(0);
    for (int i = 0; i < rows.size(); i++) {
      MnistPruning.Row r = rows.get(i);
      ResultsTable.Spread a = ResultsTable.accuracy(runs, i);
      report = report.withResult(new PruningReport.Result(r.model(), r.method(), total(r, sizes), a.mean(), a.min(),
          a.max(), r.sparsity()));
      report = report.withSize(new PruningReport.Size(r.model(), r.gzipBytes(), r.sparseGzipBytes(), r.int8GzipBytes()));
    }
    for (Captured c : captured.values()) {
      for (String name : c.after().keySet()) {
        report = report.withHistogram(new PruningReport.Histogram(c.variant() + ", " + name, c.before().get(name),
            c.after().get(name), c.thresholds().get(name)));
      }
    }
    List<Path> files = report.write(dir);
    System.out.println("wrote the report: " + files.get(0) + " and " + (files.size() - 1) + " charts");
  }
}
