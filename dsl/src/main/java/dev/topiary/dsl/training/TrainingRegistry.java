package dev.topiary.dsl.training;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.training.schedules.LearningRateSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Config names of optimizers, losses and metrics, built-in and yours, so that training settings can
 * be written as settings (JSON objects) and read back: {@code {"type": "adam", "learning_rate": 0.001,
 * ...}}. Register a custom class before writing or reading configs that use it:
 *
 * <pre>{@code
 * TrainingRegistry.registerOptimizer("my_sgd", MySgd.class,
 *     o -> Settings.of("my_sgd").put("learning_rate", (double) o.learningRate()),
 *     s -> new MySgd((float) s.getDouble("learning_rate")));
 * }</pre>
 *
 * <p>A value is written by its exact class (or, for {@link #registerMetric(String, Metric)}, as that
 * very constant). Writing an unregistered value and reading an unknown name fail, naming it and the
 * settings' owner (the file, when read from one).
 */
public final class TrainingRegistry {
  private static final Codecs<Optimizer> OPTIMIZERS = new Codecs<>("optimizer", "registerOptimizer");
  private static final Codecs<Loss> LOSSES = new Codecs<>("loss", "registerLoss");
  private static final Codecs<Metric> METRICS = new Codecs<>("metric", "registerMetric");
  private static final Codecs<LearningRateSchedule> SCHEDULES =
      new Codecs<>("learning-rate schedule", "registerSchedule");

  static {
    BuiltInCodecs.register();
  }

  private TrainingRegistry() {}

  /** Writes and reads optimizers of exactly {@code type} under {@code name}. */
  public static <O extends Optimizer> void registerOptimizer(
      String name, Class<O> type, Function<? super O, Settings> write, Function<Settings, ? extends O> read) {
    OPTIMIZERS.register(name, type, write, read);
  }

  /** Writes and reads losses of exactly {@code type} under {@code name}. */
  public static <L extends Loss> void registerLoss(
      String name, Class<L> type, Function<? super L, Settings> write, Function<Settings, ? extends L> read) {
    LOSSES.register(name, type, write, read);
  }

  /** Writes and reads metrics of exactly {@code type} under {@code name}. */
  public static <M extends Metric> void registerMetric(
      String name, Class<M> type, Function<? super M, Settings> write, Function<Settings, ? extends M> read) {
    METRICS.register(name, type, write, read);
  }

  /** Writes {@code metric} (a constant without settings) as {@code name} and reads it back as itself. */
  public static void registerMetric(String name, Metric metric) {
    METRICS.registerConstant(name, metric);
  }

  /**
   * Writes and reads learning-rate schedules of exactly {@code type} under {@code name}; an
   * optimizer with a schedule writes it as its {@code learning_rate} object.
   */
  public static <S extends LearningRateSchedule> void registerSchedule(
      String name, Class<S> type, Function<? super S, Settings> write, Function<Settings, ? extends S> read) {
    SCHEDULES.register(name, type, write, read);
  }

  public static Settings writeSchedule(LearningRateSchedule schedule) {
    return SCHEDULES.write(schedule);
  }

  public static LearningRateSchedule readSchedule(Settings settings) {
    return SCHEDULES.read(settings);
  }

  public static Set<String> scheduleNames() {
    return SCHEDULES.names();
  }

  public static Settings writeOptimizer(Optimizer optimizer) {
    return OPTIMIZERS.write(optimizer);
  }

  public static Optimizer readOptimizer(Settings settings) {
    return OPTIMIZERS.read(settings);
  }

  public static Settings writeLoss(Loss loss) {
    return LOSSES.write(loss);
  }

  public static Loss readLoss(Settings settings) {
    return LOSSES.read(settings);
  }

  public static Settings writeMetric(Metric metric) {
    return METRICS.write(metric);
  }

  public static Metric readMetric(Settings settings) {
    return METRICS.read(settings);
  }

  /** The registered names of optimizers, losses and metrics. */
  public static Set<String> optimizerNames() {
    return OPTIMIZERS.names();
  }

  public static Set<String> lossNames() {
    return LOSSES.names();
  }

  public static Set<String> metricNames() {
    return METRICS.names();
  }

  /** {@code compile} as settings: optimizer, loss, metrics (a list) and seed. */
  public static Settings writeCompile(Compile compile) {
    List<Object> metrics = new ArrayList<>();
    for (Metric m : compile.metrics()) {
      metrics.add(writeMetric(m).asMap());
    }
    return Settings.of("compile").put("optimizer", writeOptimizer(compile.optimizer()).asMap())
        .put("loss", writeLoss(compile.loss()).asMap()).put("metrics", metrics).put("seed", compile.seed());
  }

  /** The compile settings written by {@link #writeCompile}; errors name {@code settings.owner()}. */
  public static Compile readCompile(Settings settings) {
    String owner = settings.owner();
    Optimizer optimizer = readOptimizer(settings.getObject("optimizer", owner + " optimizer"));
    Loss loss = readLoss(settings.getObject("loss", owner + " loss"));
    List<Metric> metrics = new ArrayList<>();
    for (Settings m : settings.getObjects("metrics", owner + " metric")) {
      metrics.add(readMetric(m));
    }
    return new Compile(optimizer, loss, metrics, settings.getLong("seed"));
  }
}
