package dev.topiary.dsl.training;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.training.schedules.CosineDecay;
import dev.topiary.dsl.training.schedules.ExponentialDecay;
import dev.topiary.dsl.training.schedules.LearningRateSchedule;
import dev.topiary.dsl.training.schedules.PiecewiseConstant;
import java.util.List;
import java.util.Map;

/** Config names and settings of the built-in optimizers, losses and metrics (Keras' names). */
final class BuiltInCodecs {
  private BuiltInCodecs() {}

  static void register() {
    TrainingRegistry.registerSchedule("ExponentialDecay", ExponentialDecay.class,
        e -> Settings.of("ExponentialDecay").put("initial_learning_rate", e.initialLearningRate())
            .put("decay_steps", e.decaySteps()).put("decay_rate", e.decayRate()).put("staircase", e.staircase()),
        s -> new ExponentialDecay(s.getDouble("initial_learning_rate"), s.getLong("decay_steps"),
            s.getDouble("decay_rate"), s.getBoolean("staircase")));
    TrainingRegistry.registerSchedule("CosineDecay", CosineDecay.class,
        c -> Settings.of("CosineDecay").put("initial_learning_rate", c.initialLearningRate())
            .put("decay_steps", c.decaySteps()).put("alpha", c.alpha()).put("warmup_target", c.warmupTarget())
            .put("warmup_steps", c.warmupSteps()),
        s -> new CosineDecay(s.getDouble("initial_learning_rate"), s.getLong("decay_steps"), s.getDouble("alpha"),
            s.has("warmup_target") ? s.getDouble("warmup_target") : null, s.getLong("warmup_steps")));
    TrainingRegistry.registerSchedule("PiecewiseConstantDecay", PiecewiseConstant.class,
        p -> Settings.of("PiecewiseConstantDecay")
            .put("boundaries", java.util.Arrays.stream(p.boundaries()).boxed().toList())
            .put("values", java.util.Arrays.stream(p.values()).boxed().toList()),
        s -> new PiecewiseConstant(s.getLongs("boundaries"), doubles(s, "values")));

    TrainingRegistry.registerOptimizer("adam", Adam.class,
        o -> Settings.of("adam").put("learning_rate", rate(o, o.learningRate())).put("beta_1", (double) o.beta1())
            .put("beta_2", (double) o.beta2()).put("epsilon", (double) o.epsilon()),
        s -> s.asMap().get("learning_rate") instanceof Map<?, ?>
            ? new Adam(schedule(s), f(s, "beta_1"), f(s, "beta_2"), f(s, "epsilon"))
            : new Adam(f(s, "learning_rate"), f(s, "beta_1"), f(s, "beta_2"), f(s, "epsilon")));
    TrainingRegistry.registerOptimizer("sgd", Sgd.class,
        o -> Settings.of("sgd").put("learning_rate", rate(o, o.learningRate())).put("momentum", (double) o.momentum())
            .put("nesterov", o.nesterov()),
        s -> s.asMap().get("learning_rate") instanceof Map<?, ?>
            ? new Sgd(schedule(s), f(s, "momentum"), s.getBoolean("nesterov"))
            : new Sgd(f(s, "learning_rate"), f(s, "momentum"), s.getBoolean("nesterov")));
    TrainingRegistry.registerOptimizer("rmsprop", RmsProp.class,
        o -> Settings.of("rmsprop").put("learning_rate", rate(o, o.learningRate())).put("rho", (double) o.rho())
            .put("momentum", (double) o.momentum()).put("epsilon", (double) o.epsilon()),
        s -> s.asMap().get("learning_rate") instanceof Map<?, ?>
            ? new RmsProp(schedule(s), f(s, "rho"), f(s, "momentum"), f(s, "epsilon"))
            : new RmsProp(f(s, "learning_rate"), f(s, "rho"), f(s, "momentum"), f(s, "epsilon")));

    TrainingRegistry.registerLoss("sparse_categorical_crossentropy", Loss.SparseCategoricalCrossentropy.class,
        l -> fromLogits(l.fromLogits()), s -> Loss.sparseCategoricalCrossentropy(s.getBoolean("from_logits")));
    TrainingRegistry.registerLoss("categorical_crossentropy", Loss.CategoricalCrossentropy.class,
        l -> fromLogits(l.fromLogits()), s -> Loss.categoricalCrossentropy(s.getBoolean("from_logits")));
    TrainingRegistry.registerLoss("binary_crossentropy", Loss.BinaryCrossentropy.class,
        l -> fromLogits(l.fromLogits()), s -> Loss.binaryCrossentropy(s.getBoolean("from_logits")));
    TrainingRegistry.registerLoss("mean_squared_error", Loss.MeanSquaredError.class,
        l -> Settings.of("mean_squared_error"), s -> Loss.meanSquaredError());
    TrainingRegistry.registerLoss("distillation", Distillation.class,
        l -> Settings.of("distillation").put("temperature", (double) l.temperature()).put("alpha", (double) l.alpha()),
        s -> new Distillation(f(s, "temperature"), f(s, "alpha")));

    TrainingRegistry.registerMetric("accuracy", Metric.ACCURACY);
    TrainingRegistry.registerMetric("sparse_categorical_accuracy", Metric.SPARSE_CATEGORICAL_ACCURACY);
    TrainingRegistry.registerMetric("categorical_accuracy", Metric.CATEGORICAL_ACCURACY);
    TrainingRegistry.registerMetric("binary_accuracy", Metric.BINARY_ACCURACY);
  }

  /** A constant rate as a number, a schedule as its settings object. */
  private static Object rate(Optimizer o, float constant) {
    LearningRateSchedule schedule = o.schedule();
    return schedule == null ? (Object) (double) constant : TrainingRegistry.writeSchedule(schedule).asMap();
  }

  private static LearningRateSchedule schedule(Settings s) {
    return TrainingRegistry.readSchedule(s.getObject("learning_rate", s.owner() + " learning_rate"));
  }

  private static double[] doubles(Settings s, String key) {
    if (!(s.asMap().get(key) instanceof List<?> list)) {
      throw new IllegalArgumentException(s.owner() + ": setting '" + key + "' must be a list of numbers");
    }
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Number n)) {
        throw new IllegalArgumentException(s.owner() + ": setting '" + key + "' must hold numbers, got " + list);
      }
      out[i] = n.doubleValue();
    }
    return out;
  }

  private static float f(Settings s, String key) {
    return (float) s.getDouble(key);
  }

  private static Settings fromLogits(boolean fromLogits) {
    return Settings.of("loss").put("from_logits", fromLogits);
  }
}
