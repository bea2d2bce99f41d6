package dev.topiary.samples.reference;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.Measurements;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFlavour;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The reference's results table for one model: trained dense, then each pruning variant fine-tuned from
 * the dense weights, stripped, and measured: accuracy, the sparsity of every pruned weight, the
 * {@code .tflite} size per flavour (or the writer's refusal, naming the layer) and {@link SparseModel}'s
 * latency at batch 1 next to TF Java's (or its refusal, naming the layer).
 */
public final class ReferenceTable {
  private ReferenceTable() {}

  /**
   * Inputs, the labels {@code fit} takes, and the class id of every prediction row: a prediction of
   * shape {@code (n, ..., classes)} is read as rows of {@code classes} scores, one per id.
   */
  public record Data(List<HostArray> inputs, HostArray labels, int[] classIds) {}

  /** A pruning variant: its name, its target sparsity, and how it prunes the model given the fine-tuning steps. */
  public record Variant(String name, double target, java.util.function.BiFunction<ModelSpec, Long, ModelSpec> prune) {}

  /** How long to train. */
  public record Budget(int denseEpochs, int fineTuneEpochs, int batchSize) {}

  /**
   * One line of the table.
   *
   * @param sparsity each pruned weight's measured sparsity after stripping (empty for the dense model)
   * @param sizes each pruned weight's element count
   * @param tflite bytes per flavour, or the writer's refusal
   * @param sparseModel "x us (TF y us)" at batch 1, or the refusal
   */
  public record Row(String name, double target, double accuracy, Map<String, Double> sparsity,
      Map<String, Integer> sizes, Map<TfliteFlavour, String> tflite, String sparseModel) {}

  /** What each row measures besides accuracy. */
  public enum Measure {
    /** Accuracy and sparsity only (long tables: no export, no second pass over the test set). */
    ACCURACY,
    /** Also the {@code .tflite} bytes per flavour and whether {@link SparseModel} runs the model (and agrees). */
    EXPORTS,
    /** As {@link #EXPORTS}, plus SparseModel's and TF Java's latency at batch 1. */
    LATENCY
  }

  /** Trains {@code spec} dense, then each variant from the dense weights; one row each. */
  public static List<Row> run(ModelSpec spec, Compile compile, Data train, Data test, Budget budget,
      List<Variant> variants, boolean latency) {
    return run(spec, compile, Dataset.of(train.inputs(), List.of(train.labels())), train.labels().shape()[0], test,
        budget, variants, latency ? Measure.LATENCY : Measure.EXPORTS, row -> { });
  }

  /**
   * As {@link #run(ModelSpec, Compile, Data, Data, Budget, List, boolean)} with the training data as a
   * {@link Dataset} of {@code trainExamples} examples (an image pipeline with augmentation, say; arrays
   * in memory are shuffled by {@code fit} with the compile seed), {@code onRow} called with each row
   * as soon as it is measured (long runs print as they go).
   */
  public static List<Row> run(ModelSpec spec, Compile compile, Dataset train, long trainExamples, Data test,
      Budget budget, List<Variant> variants, Measure measure, Consumer<Row> onRow) {
    return run(spec, compile, null, train, trainExamples, test, budget, variants, measure, (row, model) -> onRow.accept(row));
  }

  /**
   * As above, the dense model starting from {@code start} (a Keras file's weights, say) instead of its
   * initializers when given, and {@code onRow} also given each row's (stripped) model while it is open, to
   * write it to files.
   */
  public static List<Row> run(ModelSpec spec, Compile compile, @Nullable Map<String, HostArray> start, Dataset train,
      long trainExamples, Data test, Budget budget, List<Variant> variants, Measure measure,
      java.util.function.BiConsumer<Row, Model> onRow) {
    List<Row> rows = new ArrayList<>();
    Fit fine = Fit.ofEpochs(budget.fineTuneEpochs()).batchSize(budget.batchSize()).progress(ProgressSink.silent());
    long stepsPerEpoch = (trainExamples + budget.batchSize() - 1) / budget.batchSize();
    long fineSteps = budget.fineTuneEpochs() * stepsPerEpoch;
    try (Model model = spec.compile(compile)) {
      if (start != null) {
        model.setWeights(start);
      }
      if (budget.denseEpochs() > 0) { // 0: a trained model (from a file) is measured as it is
        model.fit(train, Fit.ofEpochs(budget.denseEpochs()).batchSize(budget.batchSize()).progress(ProgressSink.silent()));
      }
      Map<String, HostArray> trained = model.weights();
      rows.add(measure("dense", 0, model, Map.of(), Map.of(), test, measure));
      onRow.accept(rows.get(rows.size() - 1), model);
      for (Variant v : variants) {
        try (Model pruned = v.prune().apply(spec, fineSteps).compile(compile)) {
          pruned.setWeights(trained);
          pruned.fit(train, fine);
          try (Model stripped = pruned.strip()) {
            Map<String, HostArray> w = stripped.weights();
            Map<String, Double> sparsity = new LinkedHashMap<>();
            Map<String, Integer> sizes = new LinkedHashMap<>();
            for (String name : pruned.sparsity().keySet()) {
              sparsity.put(name, Measurements.sparsity(w.get(name).floats()));
              sizes.put(name, w.get(name).floats().length);
            }
            rows.add(measure(v.name(), v.target(), stripped, sparsity, sizes, test, measure));
            onRow.accept(rows.get(rows.size() - 1), stripped);
          }
        }
      }
    }
    return rows;
  }

  private static Row measure(String name, double target, Model model, Map<String, Double> sparsity,
      Map<String, Integer> sizes, Data test, Measure measure) {
    HostArray predictions = model.predict(test.inputs(), 256).get(0);
    double accuracy = accuracy(predictions, test.classIds());
    if (measure == Measure.ACCURACY) {
      return new Row(name, target, accuracy, sparsity, sizes, Map.of(), "not measured");
    }
    boolean latency = measure == Measure.LATENCY;
    Map<TfliteFlavour, String> tflite = new EnumMap<>(TfliteFlavour.class);
    for (TfliteFlavour f : TfliteFlavour.values()) {
      try {
        tflite.put(f, Integer.toString(TfliteExport.bytes(model, f).length));
      } catch (IllegalArgumentException e) { // UnsupportedLayersException: names each layer
        tflite.put(f, "refused: " + e.getMessage());
      }
    }
    String sparse;
    // as many threads as TF Java's own pools use by default: the machine's cores
    int threads = Runtime.getRuntime().availableProcessors();
    try (SparseModel s = SparseModel.of(model, SparseOptions.defaults().threads(threads))) {
      List<HostArray> one = test.inputs().stream().map(x -> x.slice(0, 1)).toList();
      sparse = latency ? String.format(Locale.ROOT, "%.0f us on %d thread(s) (TF Java %.0f us)",
          median(() -> s.predict(one, 1)), threads, median(() -> model.predict(one, 1))) : "runs";
      float diff = maxDiff(predictions, s.predict(test.inputs(), 256).get(0));
      sparse += String.format(Locale.ROOT, ", outputs within %.1e of TF", diff);
    } catch (IllegalArgumentException e) { // UnsupportedLayersException: names each layer
      sparse = "refused: " + e.getMessage();
    }
    return new Row(name, target, accuracy, sparsity, sizes, tflite, sparse);
  }

  /** The fraction of rows whose highest score is at the class id. */
  public static double accuracy(HostArray scores, int[] ids) {
    long[] shape = scores.shape();
    int classes = (int) shape[shape.length - 1];
    float[] v = scores.floats();
    if (v.length != (long) ids.length * classes) {
      throw new IllegalArgumentException("predictions of shape " + Arrays.toString(shape) + " do not hold one row of "
          + classes + " scores per each of " + ids.length + " class ids");
    }
    int right = 0;
    for (int r = 0; r < ids.length; r++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (v[r * classes + c] > v[r * classes + best]) {
          best = c;
        }
      }
      right += best == ids[r] ? 1 : 0;
    }
    return (double) right / ids.length;
  }

  private static float maxDiff(HostArray a, HostArray b) {
    float d = 0;
    for (int i = 0; i < a.floats().length; i++) {
      d = Math.max(d, Math.abs(a.floats()[i] - b.floats()[i]));
    }
    return d;
  }

  /** Median microseconds of a call, after a warm-up (the machine may be busy). */
  private static double median(Runnable call) {
    // a second of calls first: the JIT compiles SparseModel's kernels after some thousand calls, and the
    // first row (dense) would otherwise time them interpreted (DS-CNN: 5.8 ms against 0.3 ms warm)
    long end = System.nanoTime() + 1_000_000_000L;
    for (int i = 0; i < 10 || System.nanoTime() < end; i++) {
      call.run();
    }
    double[] t = new double[31];
    for (int i = 0; i < t.length; i++) {
      long t0 = System.nanoTime();
      call.run();
      t[i] = (System.nanoTime() - t0) / 1e3;
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }

  /** The table: accuracy, sparsity range of the pruned weights, sizes per flavour, SparseModel at batch 1. */
  public static String format(String title, List<Row> rows) {
    StringBuilder s = new StringBuilder("## " + title + "\n\n| model | accuracy | pruned weights' sparsity |");
    for (TfliteFlavour f : TfliteFlavour.values()) {
      s.append(" .tflite ").append(f.name().toLowerCase(Locale.ROOT)).append(" (bytes) |");
    }
    s.append(" SparseModel, batch 1 |\n|---|---|---|");
    s.append("---|".repeat(TfliteFlavour.values().length)).append("---|\n");
    List<String> refusals = new ArrayList<>();
    for (Row r : rows) {
      s.append(String.format(Locale.ROOT, "| %s | %.4f | %s |", r.name(), r.accuracy(), sparsityText(r.sparsity())));
      for (TfliteFlavour f : TfliteFlavour.values()) {
        s.append(' ').append(cell(r.tflite().get(f), refusals)).append(" |");
      }
      s.append(' ').append(cell(r.sparseModel(), refusals)).append(" |\n");
    }
    for (int i = 0; i < refusals.size(); i++) {
      s.append("\n(").append(i + 1).append(") ").append(refusals.get(i));
    }
    return s.append('\n').toString();
  }

  private static String cell(@Nullable String value, List<String> refusals) {
    if (value == null) {
      return "-"; // Measure.ACCURACY: not exported
    }
    if (!value.startsWith("refused: ")) {
      return value;
    }
    String reason = value.substring("refused: ".length());
    int i = refusals.indexOf(reason);
    if (i < 0) {
      refusals.add(reason);
      i = refusals.size() - 1;
    }
    return "refused (" + (i + 1) + ")";
  }

  private static String sparsityText(Map<String, Double> sparsity) {
    if (sparsity.isEmpty()) {
      return "-";
    }
    double lo = sparsity.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double hi = sparsity.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return String.format(Locale.ROOT, "%.3f-%.3f (%d weights)", lo, hi, sparsity.size());
  }

  /** The pruned weights' measured sparsity as "lo-hi (n weights)", "-" when none is pruned. */
  public static String sparsityRange(Map<String, Double> sparsity) {
    return sparsityText(sparsity);
  }

  /** {@code --name value} from {@code args}, else {@code fallback}. */
  static int intOption(List<String> args, String name, int fallback) {
    int i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? Integer.parseInt(args.get(i + 1)) : fallback;
  }
}
