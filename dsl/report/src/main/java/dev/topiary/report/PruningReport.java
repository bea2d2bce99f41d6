package dev.topiary.report;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.PruningState;
import dev.topiary.ops.schedule.PruningSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a pruning report shows (immutable; add with the {@code with...} methods, then
 * {@link #write(Path)}): the schedules with their mask-update steps, per-weight sparsity per method,
 * accuracy against total sparsity per method with its range over seeds, weight-magnitude histograms
 * before and after pruning with the threshold, and sizes.
 *
 * <p>For a model you trained: {@link #of(Model)} (a graph or an eager model) or
 * {@link #ofSavedModel(Path)} (a {@link ModelFiles} directory). For an experiment:
 * {@link #titled(String)} then {@link #withResult} per row.
 *
 * @param title the page's title
 * @param schedules schedule curves by label
 * @param results one per experiment row
 * @param histograms weight histograms
 * @param sizes size rows (label, bytes) in the order given
 */
public record PruningReport(String title, List<Schedule> schedules, List<Result> results, List<Histogram> histograms,
    List<Size> sizes) {

  /** A schedule drawn from step 0 to {@code lastStep}. */
  public record Schedule(String label, PruningSchedule schedule, long lastStep) {}

  /**
   * One experiment row.
   *
   * @param name the row's name ("global 0.95")
   * @param method what groups rows into one curve ("per-layer", "global", ...)
   * @param totalSparsity the sparsity over all pruned weights (the x of the accuracy chart)
   * @param accuracy mean test accuracy; {@code min}/{@code max} its range over seeds
   * @param sparsity measured sparsity per pruned weight
   */
  public record Result(String name, String method, double totalSparsity, double accuracy, double min, double max,
      Map<String, Double> sparsity) {
    public Result {
      sparsity = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sparsity));
    }
  }

  /**
   * Magnitudes of one weight before and after pruning (zeros after pruning are left out: they are the
   * pruned ones), with the threshold of the last mask update (the smallest magnitude it kept then; NaN if
   * unknown).
   */
  public record Histogram(String label, float @Nullable [] before, float[] after, float threshold) {}

  /** One row of the size table. */
  public record Size(String label, long denseGzipBytes, long sparseFloat32GzipBytes, long sparseInt8GzipBytes) {}

  public PruningReport {
    Objects.requireNonNull(title, "title");
    schedules = List.copyOf(schedules);
    results = List.copyOf(results);
    histograms = List.copyOf(histograms);
    sizes = List.copyOf(sizes);
  }

  /** An empty report. */
  public static PruningReport titled(String title) {
    return new PruningReport(title, List.of(), List.of(), List.of(), List.of());
  }

  public PruningReport withSchedule(String label, PruningSchedule schedule, long lastStep) {
    return new PruningReport(title, append(schedules, new Schedule(label, schedule, lastStep)), results, histograms,
        sizes);
  }

  public PruningReport withResult(Result result) {
    return new PruningReport(title, schedules, append(results, result), histograms, sizes);
  }

  public PruningReport withHistogram(Histogram histogram) {
    return new PruningReport(title, schedules, results, append(histograms, histogram), sizes);
  }

  public PruningReport withSize(Size size) {
    return new PruningReport(title, schedules, results, histograms, append(sizes, size));
  }

  private static <T> List<T> append(List<T> list, T item) {
    List<T> out = new ArrayList<>(list);
    out.add(item);
    return out;
  }

  /**
   * The report of a trained model (graph or eager): each pruned weight's schedule up to the model's
   * step (or the schedule's end), its sparsity, its magnitudes with the threshold of its last mask
   * update, and the size of its weights dense, sparse float32 and sparse int8.
   */
  public static PruningReport of(Model model) {
    return of(model, null, "model");
  }

  /**
   * As {@link #of(Model)}, with the weights before pruning ({@code model.weights()} of the dense model,
   * by variable name) drawn under each histogram; {@code label} names the model in charts and tables.
   */
  public static PruningReport of(Model model, @Nullable Map<String, HostArray> before, String label) {
    PruningReport report = titled("Pruning report: " + label);
    Map<String, PruningSpec> pruned = model.spec().prunedWeights();
    if (pruned.isEmpty()) {
      throw new IllegalArgumentException("the model has no pruned weights: nothing to report (layers: "
          + model.spec().layerNames() + ")");
    }
    Snapshot state = model.snapshot();
    Map<String, HostArray> weights = model.weights();
    Map<PruningSchedule, String> seen = new LinkedHashMap<>();
    for (Map.Entry<String, PruningSpec> e : pruned.entrySet()) {
      PruningSchedule s = e.getValue().schedule();
      if (!seen.containsKey(s)) {
        seen.put(s, e.getKey());
        long last = Math.max(model.step(), s.endStep() >= 0 ? s.endStep() + s.frequency() : s.beginStep() + 10 * s.frequency());
        report = report.withSchedule(e.getKey(), s, last);
      }
    }
    Map<String, Double> sparsity = model.sparsity();
    report = report.withResult(new Result(label, label, totalSparsity(sparsity, weights), Double.NaN, Double.NaN,
        Double.NaN, sparsity));
    for (String name : pruned.keySet()) {
      HostArray threshold = state.names().contains(PruningState.thresholdName(name))
          ? state.get(PruningState.thresholdName(name)) : null;
      float t = threshold == null ? Float.NaN : threshold.floats()[0];
      report = report.withHistogram(new Histogram(label + ": " + name,
          before == null || !before.containsKey(name) ? null : before.get(name).floats(), weights.get(name).floats(), t));
    }
    return report.withSize(size(label, weights));
  }

  /** The report of a model saved with {@link ModelFiles#save} (loaded only to read it). */
  public static PruningReport ofSavedModel(Path dir) throws IOException {
    try (Model model = ModelFiles.load(dir, Compile.of(Optimizer.adam(), Loss.meanSquaredError()))) {
      return of(model, null, dir.getFileName() == null ? dir.toString() : dir.getFileName().toString());
    }
  }

  /** The size row of {@code weights}: gzip of the raw float32 values, and of the sparse formats. */
  public static Size size(String label, Map<String, HostArray> weights) {
    return new Size(label, SparseWeights.gzipSize(SparseWeights.dense(weights)),
        SparseWeights.gzipSize(SparseWeights.encode(weights, SparseWeights.Encoding.FLOAT32)),
        SparseWeights.gzipSize(SparseWeights.encode(weights, SparseWeights.Encoding.INT8)));
  }

  /** Zeros over size across the pruned weights (sparsity weighted by size). */
  static double totalSparsity(Map<String, Double> sparsity, Map<String, HostArray> weights) {
    double zeros = 0;
    long size = 0;
    for (Map.Entry<String, Double> e : sparsity.entrySet()) {
      long n = weights.get(e.getKey()).floats().length;
      zeros += e.getValue() * n;
      size += n;
    }
    return size == 0 ? 0 : zeros / size;
  }

  /**
   * Writes {@code index.html} (charts embedded, so the page stands alone) and one PNG per chart into
   * {@code dir} (created if missing); returns the files written.
   */
  public List<Path> write(Path dir) throws IOException {
    return ReportWriter.write(this, dir);
  }
}
