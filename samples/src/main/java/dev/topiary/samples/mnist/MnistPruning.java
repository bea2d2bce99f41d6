package dev.topiary.samples.mnist;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distillation;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.pruning.Sensitivity;
import dev.topiary.dsl.pruning.SensitivityReport;
import dev.topiary.ops.GlobalPruningSpec;
import java.util.function.BiFunction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TF Model Optimization MNIST tutorial, in Topiary: a small CNN trained dense, then fine-tuned
 * with pruning to each target sparsity; reports accuracy, measured sparsity, gzip size and time.
 */
public final class MnistPruning {

  /** Settings of one experiment (defaults: the tutorial's, with mask updates every 10 steps). */
  public record Settings(int denseEpochs, int fineTuneEpochs, int batchSize, double validationSplit,
      double initialSparsity, List<Double> targets, int frequency, long seed, ProgressSink progress) {
    public static Settings defaults() {
      return new Settings(4, 2, 128, 0.1, 0.5, List.of(0.8, 0.9, 0.95), 10, 42, ProgressSink.console());
    }

    public Settings targets(List<Double> targets) {
      return new Settings(denseEpochs, fineTuneEpochs, batchSize, validationSplit, initialSparsity, targets, frequency,
          seed, progress);
    }

    public Settings frequency(int frequency) {
      return new Settings(denseEpochs, fineTuneEpochs, batchSize, validationSplit, initialSparsity, targets, frequency,
          seed, progress);
    }

    public Settings progress(ProgressSink progress) {
      return new Settings(denseEpochs, fineTuneEpochs, batchSize, validationSplit, initialSparsity, targets, frequency,
          seed, progress);
    }

    public Settings seed(long seed) {
      return new Settings(denseEpochs, fineTuneEpochs, batchSize, validationSplit, initialSparsity, targets, frequency,
          seed, progress);
    }

    public Settings epochs(int dense, int fineTune) {
      return new Settings(dense, fineTune, batchSize, validationSplit, initialSparsity, targets, frequency, seed,
          progress);
    }
  }

  /** One row of the results table. */
  public record Row(String model, String method, double targetSparsity, double testAccuracy, Map<String, Double> sparsity,
      int gzipBytes, double compressionRatio, double trainSeconds, int sparseGzipBytes, int int8GzipBytes,
      double int8Accuracy) {

    /** Dense gzip size over the int8 sparse format's gzip size. */
    public double int8Ratio(int denseGzipBytes) {
      return (double) denseGzipBytes / int8GzipBytes;
    }
  }

  /** Sizes of {@code weights} in the three formats and the accuracy of the int8-restored weights. */
  public static Row row(String name, String method, double target, double accuracy, Map<String, Double> sparsity, Model model,
      Idx.Split test, double seconds, int denseGzipBaseline) {
    TfliteTable.measure(name, model, test); // the .tflite rows, when the main job collects them
    Map<String, HostArray> weights = model.weights();
    int gzip = SparseWeights.gzipSize(SparseWeights.dense(weights));
    int sparse = SparseWeights.gzipSize(SparseWeights.encode(weights, SparseWeights.Encoding.FLOAT32));
    byte[] int8 = SparseWeights.encode(weights, SparseWeights.Encoding.INT8);
    model.setWeights(SparseWeights.decode(int8, "int8 weights of " + name));
    double int8Accuracy = model.evaluate(test.dataset()).get("accuracy");
    model.setWeights(weights);
    int baseline = denseGzipBaseline > 0 ? denseGzipBaseline : gzip;
    return new Row(name, method, target, accuracy, sparsity, gzip, (double) baseline / gzip, seconds, sparse,
        SparseWeights.gzipSize(int8), int8Accuracy);
  }

  private MnistPruning() {}

  /** The tutorial's CNN. */
  public static ModelSpec model() {
    return Sequential.of(Input.of(28, 28),
        Reshape.of(28, 28, 1),
        Conv2D.of(12, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Flatten.of(),
        Dense.of(10));
  }

  static Compile compile(long seed) {
    return Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(seed);
  }

  /** Steps of one fine-tuning run, and the last step at which the schedule may update masks. */
  static long lastPruningStep(int trainExamples, Settings s) {
    int kept = trainExamples - (int) (trainExamples * s.validationSplit());
    long steps = (long) ((kept + s.batchSize() - 1) / s.batchSize()) * s.fineTuneEpochs();
    // The schedule reaches its final sparsity at `end`; end on a mask-update step so that the last
    // update prunes to exactly the target.
    return (steps - 1) / s.frequency() * s.frequency();
  }

  /** What a variant may look at when it marks the layers: the trained dense model and validation data. */
  public record Trained(Model dense, Dataset validation) {}

  /** Marks the layers of {@code base}, given the last step at which a schedule may update masks. */
  @FunctionalInterface
  public interface Pruner {
    ModelSpec apply(ModelSpec base, long end, Trained trained);
  }

  /**
   * One pruned variant of the base model: {@code prune} marks the layers, given the last step at
   * which a schedule may update masks (so that the final update lands on the target); {@code method}
   * is what the JSON row says ({@code "per-layer"}, {@code "global"}, {@code "sensitivity"}, ...).
   */
  public record Variant(String name, String method, double target, Pruner prune, FineTune fineTune) {
    /** A variant fine-tuned as the dense model was trained (its loss and optimizer settings). */
    public Variant(String name, String method, double target, Pruner prune) {
      this(name, method, target, prune, FineTune.AS_DENSE);
    }

    /** A per-layer variant that needs only the base model and the end step. */
    public Variant(String name, double target, BiFunction<ModelSpec, Long, ModelSpec> prune) {
      this(name, PER_LAYER, target, (base, end, trained) -> prune.apply(base, end));
    }
  }

  public static final String PER_LAYER = "per-layer";
  public static final String GLOBAL = "global";
  public static final String SENSITIVITY = "sensitivity";

  /** The tutorial's variants: the whole model under PolynomialDecay(initial -> target). */
  public static List<Variant> polynomialVariants(Settings s) {
    List<Variant> out = new ArrayList<>();
    for (double target : s.targets()) {
      out.add(new Variant("pruned " + target, target, (spec, end) ->
          spec.prunedWith(PruningSpec.of(PolynomialDecay.of(s.initialSparsity(), target, 0, end, 3, s.frequency())))));
    }
    return out;
  }

  /**
   * Global magnitude pruning of every prunable weight as one group, along the same schedule as
   * {@link #polynomialVariants} (PolynomialDecay initial -> total), one row per target.
   */
  public static List<Variant> globalVariants(Settings s) {
    List<Variant> out = new ArrayList<>();
    for (double target : s.targets()) {
      out.add(new Variant("global " + target, GLOBAL, target, (spec, end, trained) -> spec.prunedGlobally(
          GlobalPruningSpec.of(PolynomialDecay.of(s.initialSparsity(), target, 0, end, 3, s.frequency())))));
    }
    return out;
  }

  /**
   * How a variant's fine-tune differs from the dense training: a distillation loss with the dense
   * model as teacher, and another optimizer (null: as the dense training).
   */
  public record FineTune(@org.jspecify.annotations.Nullable Distillation distillation,
      @org.jspecify.annotations.Nullable Optimizer optimizer) {
    public static final FineTune AS_DENSE = new FineTune(null, null);
  }

  public static final String GLOBAL_DISTILL = "global+distill";
  public static final String GLOBAL_LR = "global+lr";

  /**
   * The fine-tuning rate of the main job's {@code "global+lr"} rows: Adam at 0.012 (the dense training's
   * 1e-3 times 12), chosen from 0.002 - 0.016 on seeds 0-2 and confirmed on seeds 3-5 (README).
   */
  public static final float FINE_TUNE_RATE = 0.012f;

  /** {@link #globalVariants} fine-tuned with Adam at {@code rate}, method {@code "global+lr"}. */
  public static List<Variant> globalRateVariants(Settings s, float rate) {
    List<Variant> out = new ArrayList<>();
    for (Variant g : globalVariants(s)) {
      out.add(new Variant("global+lr " + rate + " " + g.target(), GLOBAL_LR, g.target(), g.prune(),
          new FineTune(null, Optimizer.adam(rate))));
    }
    return out;
  }

  public static final String PER_LAYER_LR = "per-layer+lr";
  public static final String DENSE_LR = "dense+lr";

  /**
   * {@link #globalVariants} fine-tuned with Adam at each of {@code rates} (the dense training: 1e-3),
   * and, as the control that tells the allocation from the rate, {@link #polynomialVariants} at the
   * same rates (method {@code "per-layer+lr"}) and the dense model trained on unpruned ({@code "dense+lr"}).
   */
  public static List<Variant> rateVariants(Settings s, List<Float> rates) {
    List<Variant> out = new ArrayList<>();
    for (float rate : rates) {
      out.addAll(globalRateVariants(s, rate));
      for (Variant p : polynomialVariants(s)) {
        out.add(new Variant("per-layer+lr " + rate + " " + p.target(), PER_LAYER_LR, p.target(), p.prune(),
            new FineTune(null, Optimizer.adam(rate))));
      }
      // The other control: the dense model trained on for the fine-tune's epochs at the same rate, unpruned.
      out.add(new Variant("dense+lr " + rate, DENSE_LR, 0, (base, end, trained) -> base,
          new FineTune(null, Optimizer.adam(rate))));
    }
    return out;
  }

  /**
   * {@link #globalVariants}, fine-tuned with knowledge distillation from the trained dense model
   * ({@link Distillation}: hard labels mixed with the dense model's logits at temperature T, weight
   * alpha on the teacher), one row per target and per (T, alpha).
   */
  public static List<Variant> globalDistillVariants(Settings s, List<Distillation> settings) {
    List<Variant> out = new ArrayList<>();
    for (Distillation d : settings) {
      for (Variant g : globalVariants(s)) {
        out.add(new Variant(String.format("global+distill T=%s a=%s %s", fmt(d.temperature()), fmt(d.alpha()),
            g.target()), GLOBAL_DISTILL, g.target(), g.prune(), new FineTune(d, null)));
      }
    }
    return out;
  }

  private static String fmt(float v) {
    return v == Math.rint(v) ? String.valueOf((int) v) : String.valueOf(v);
  }

  /**
   * Per-layer targets from a sensitivity analysis of the trained dense model (each layer pruned alone,
   * one-shot, on the validation split; {@link Sensitivity}), reaching each total exactly; each layer
   * then follows PolynomialDecay to its own target (from the initial sparsity, or from its target if
   * that is lower). The analysis runs once per dense model.
   */
  public static List<Variant> sensitivityVariants(Settings s) {
    Map<Model, SensitivityReport> analyses = new java.util.IdentityHashMap<>();
    List<Variant> out = new ArrayList<>();
    for (double target : s.targets()) {
      out.add(new Variant("sensitivity " + target, SENSITIVITY, target, (spec, end, trained) -> {
        SensitivityReport report = analyses.computeIfAbsent(trained.dense(),
            m -> Sensitivity.defaults().run(m, trained.validation()));
        return report.targets(target).applyTo(spec, t -> PolynomialDecay.of(Math.min(s.initialSparsity(), t), t, 0, end, 3,
            s.frequency()));
      }));
    }
    return out;
  }

  /**
   * The main job's variants: per-layer (the reference), global, sensitivity-guided, and global
   * fine-tuned at {@link #FINE_TUNE_RATE}, per target.
   */
  public static List<Variant> allMethods(Settings s) {
    List<Variant> out = new ArrayList<>(polynomialVariants(s));
    out.addAll(globalVariants(s));
    out.addAll(sensitivityVariants(s));
    out.addAll(globalRateVariants(s, FINE_TUNE_RATE));
    return out;
  }

  public static List<Row> run(Idx.Split train, Idx.Split test, Settings s) {
    return run(model(), train, test, s, polynomialVariants(s));
  }

  /** Trains {@code base} dense, then fine-tunes each variant from the dense weights; one row each. */
  public static List<Row> run(ModelSpec base, Idx.Split train, Idx.Split test, Settings s, List<Variant> variants) {
    return run(base, train, test, s, variants, compile(s.seed()));
  }

  /** As {@link #run(ModelSpec, Idx.Split, Idx.Split, Settings, List)} with another loss or optimizer. */
  public static List<Row> run(ModelSpec base, Idx.Split train, Idx.Split test, Settings s, List<Variant> variants,
      Compile compile) {
    return run(base, train, test, s, variants, compile, (variant, pruned, dense) -> {});
  }

  /** Sees each fine-tuned model before it is closed (for reports): the variant, the model, the dense weights. */
  @FunctionalInterface
  public interface Listener {
    void finished(Variant variant, Model pruned, Map<String, HostArray> denseWeights);
  }

  /** As {@link #run(ModelSpec, Idx.Split, Idx.Split, Settings, List, Compile)}, telling {@code listener}. */
  public static List<Row> run(ModelSpec base, Idx.Split train, Idx.Split test, Settings s, List<Variant> variants,
      Compile compile, Listener listener) {
    List<Row> rows = new ArrayList<>();
    try (Model dense = base.compile(compile)) {
      long t0 = System.nanoTime();
      dense.fit(train.dataset(),
          Fit.ofEpochs(s.denseEpochs()).batchSize(s.batchSize()).validationSplit(s.validationSplit()).progress(s.progress()));
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, HostArray> denseWeights = dense.weights();
      rows.add(row("dense", "dense", 0, dense.evaluate(test.dataset()).get("accuracy"), Map.of(), dense, test,
          seconds, 0));
      // The examples fit held out (the last ones, as Keras): what a variant may analyse the model on.
      int kept = train.size() - (int) (train.size() * s.validationSplit());
      Trained trained = new Trained(dense, Dataset.of(train.images().slice(kept, train.size()),
          train.labels().slice(kept, train.size())));
      long end = lastPruningStep(train.size(), s);
      Dataset distillData = null;
      for (Variant variant : variants) {
        Distillation distill = variant.fineTune().distillation();
        if (distill != null && distillData == null) {
          // The teacher is fixed: its logits for every training example, once, travelling with the examples.
          distillData = Dataset.of(train.images(), Distillation.labels(train.labels(), dense.predict(train.images())));
        }
        Compile fineTune = distill == null ? compile : Compile.of(compile.optimizer(), distill).seed(compile.seed());
        if (variant.fineTune().optimizer() != null) {
          fineTune = fineTune.optimizer(variant.fineTune().optimizer());
        }
        try (Model pruned = variant.prune().apply(base, end, trained).compile(fineTune)) {
          pruned.setWeights(denseWeights);
          t0 = System.nanoTime();
          pruned.fit(distill == null ? train.dataset() : distillData,
              Fit.ofEpochs(s.fineTuneEpochs()).batchSize(s.batchSize()).validationSplit(s.validationSplit())
                  .progress(s.progress()));
          seconds = (System.nanoTime() - t0) / 1e9;
          listener.finished(variant, pruned, denseWeights);
          try (Model strippedOwn = pruned.strip();
              // Distillation labels are not class ids: evaluate the weights under the hard-label compile.
              Model stripped = distill == null ? strippedOwn : base.compile(compile)) {
            if (distill != null) {
              stripped.setWeights(strippedOwn.weights());
            }
            double accuracy = (distill == null ? pruned : stripped).evaluate(test.dataset()).get("accuracy");
            Map<String, HostArray> weights = stripped.weights();
            Map<String, Double> sparsity = new LinkedHashMap<>();
            for (String name : pruned.sparsity().keySet()) {
              sparsity.put(name, dev.topiary.ops.Measurements.sparsity(weights.get(name).floats()));
            }
            rows.add(row(variant.name(), variant.method(), variant.target(), accuracy, sparsity, stripped, test,
                seconds, rows.get(0).gzipBytes()));
          }
        }
      }
    }
    return rows;
  }

  /**
   * The methods the main job runs without {@code --methods}: the tutorial's per-layer rows and global
   * pruning, with the TFLite table (about a third of the time of every method; the others are
   * {@code --methods per-layer,global,sensitivity,global+lr} or {@code --methods all} away).
   */
  public static final List<String> DEFAULT_METHODS = List.of(PER_LAYER, GLOBAL);

  /** Runs {@code variants} of {@code base} on MNIST with the command-line options, prints the table. */
  public static List<Row> runSample(String title, String[] args, ModelSpec base,
      java.util.function.Function<Settings, List<Variant>> variants) throws java.io.IOException {
    return runSample(title, args, base, variants, null);
  }

  /**
   * As {@link #runSample(String, String[], ModelSpec, java.util.function.Function)}; without
   * {@code --methods}, only the variants of {@code defaultMethods} run (null: every variant), plus
   * the rows {@code --distill} and {@code --fine-tune-lr} ask for. {@code --methods all} runs every variant.
   */
  public static List<Row> runSample(String title, String[] args, ModelSpec base,
      java.util.function.Function<Settings, List<Variant>> variants, @org.jspecify.annotations.Nullable List<String> defaultMethods)
      throws java.io.IOException {
    Cli cli = Cli.parse(args);
    Idx.Split train = cli.dataDir() == null ? Idx.embedded("train") : Idx.read(cli.dataDir(), "train");
    Idx.Split test = cli.dataDir() == null ? Idx.embedded("t10k") : Idx.read(cli.dataDir(), "t10k");
    Settings s = Settings.defaults().targets(cli.targets()).frequency(cli.frequency())
        .progress(cli.quiet() ? ProgressSink.silent() : ProgressSink.console());
    if (cli.epochs() != null) {
      s = s.epochs(cli.epochs()[0], cli.epochs()[1]);
    }
    System.out.printf("%s. %s: %d training / %d test examples%s%s%n", title,
        cli.dataDir() == null ? "MNIST" : "Data", train.size(), test.size(),
        cli.dataDir() == null ? " (embedded subset)" : " from " + cli.dataDir(),
        cli.seeds() == 1 ? "" : String.format(", seeds %d-%d", cli.seed(), cli.seed() + cli.seeds() - 1));
    if (cli.methods() == null && defaultMethods != null) {
      System.out.printf("Methods: %s (every method: --methods all)%n", String.join(", ", defaultMethods));
    }
    List<List<Row>> runs = new ArrayList<>();
    MnistReport report = cli.report() == null ? null : new MnistReport(s.targets());
    for (int i = 0; i < cli.seeds(); i++) {
      Settings seeded = s.seed(cli.seed() + i);
      List<Variant> all = new ArrayList<>(variants.apply(seeded));
      // Without --methods: the default methods, and whatever rows the other flags ask for.
      java.util.Set<String> methods = defaultMethods == null ? null : new java.util.LinkedHashSet<>(defaultMethods);
      if (cli.distill() != null) {
        List<Variant> distilled = globalDistillVariants(seeded, cli.distill());
        all.addAll(distilled);
        distilled.forEach(v -> { if (methods != null) methods.add(v.method()); });
      }
      if (cli.fineTuneRates() != null) {
        all.removeIf(v -> v.method().equals(GLOBAL_LR)); // the default rate's rows, replaced by the given rates
        List<Variant> rated = rateVariants(seeded, cli.fineTuneRates());
        all.addAll(rated);
        rated.forEach(v -> { if (methods != null) methods.add(v.method()); });
      }
      java.util.Collection<String> wanted = cli.methods() != null ? cli.methods() : methods;
      List<Variant> chosen = all.stream()
          .filter(v -> wanted == null || wanted.contains("all") || wanted.contains(v.method())).toList();
      Listener listener = report != null && i == 0 ? report : (variant, pruned, dense) -> {};
      runs.add(run(base, train, test, seeded, chosen, compile(seeded.seed()), listener));
    }
    System.out.println();
    System.out.print(ResultsTable.formatRuns(runs));
    if (cli.json() != null) {
      java.nio.file.Files.writeString(cli.json(), ResultsTable.json(runs, cli.seed()));
      System.out.println("wrote " + cli.json());
    }
    if (report != null) {
      Map<String, Long> sizes = new LinkedHashMap<>();
      for (dev.topiary.dsl.layers.Layer layer : base.layers()) {
        for (dev.topiary.dsl.layers.WeightSpec w : base.weights(layer)) {
          sizes.put(base.variableName(layer, w.name()), w.shape().size());
        }
      }
      report.write(cli.report(), runs, title, sizes);
    }
    return runs.get(0);
  }

  public static void main(String[] args) throws Exception {
    try (TfliteTable tflite = TfliteTable.open()) {
      runSample("Magnitude pruning, PolynomialDecay", args, model(), MnistPruning::allMethods, DEFAULT_METHODS);
      tflite.report(Cli.parse(args).json());
    }
  }
}
