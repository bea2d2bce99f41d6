package dev.topiary.dsl.training;

import dev.topiary.dsl.config.Settings;

/** Config names and settings of the built-in optimizers, losses and metrics (Keras' names). */
final class BuiltInCodecs {
  private BuiltInCodecs() {}

  static void register() {
    TrainingRegistry.registerOptimizer("adam", Adam.class,
        o -> Settings.of("adam").put("learning_rate", (double) o.learningRate()).put("beta_1", (double) o.beta1())
            .put("beta_2", (double) o.beta2()).put("epsilon", (double) o.epsilon()),
        s -> new Adam(f(s, "learning_rate"), f(s, "beta_1"), f(s, "beta_2"), f(s, "epsilon")));
    TrainingRegistry.registerOptimizer("sgd", Sgd.class,
        o -> Settings.of("sgd").put("learning_rate", (double) o.learningRate()).put("momentum", (double) o.momentum())
            .put("nesterov", o.nesterov()),
        s -> new Sgd(f(s, "learning_rate"), f(s, "momentum"), s.getBoolean("nesterov")));
    TrainingRegistry.registerOptimizer("rmsprop", RmsProp.class,
        o -> Settings.of("rmsprop").put("learning_rate", (double) o.learningRate()).put("rho", (double) o.rho())
            .put("momentum", (double) o.momentum()).put("epsilon", (double) o.epsilon()),
        s -> new RmsProp(f(s, "learning_rate"), f(s, "rho"), f(s, "momentum"), f(s, "epsilon")));

    TrainingRegistry.registerLoss("sparse_categorical_crossentropy", Loss.SparseCategoricalCrossentropy.class,
        l -> fromLogits(l.fromLogits()), s -> Loss.sparseCategoricalCrossentropy(s.getBoolean("from_logits")));
    TrainingRegistry.registerLoss("categorical_crossentropy", Loss.CategoricalCrossentropy.class,
        l -> fromLogits(l.fromLogits()), s -> Loss.categoricalCrossentropy(s.getBoolean("from_logits")));
    TrainingRegistry.registerLoss("binary_crossentropy", Loss.BinaryCrossentropy.class,
        l -> fromLogits(l.fromLogits()), s -> Loss.binaryCrossentropy(s.getBoolean("from_logits")));
    TrainingRegistry.registerLoss("mean_squared_error", Loss.MeanSquaredError.class,
        l -> Settings.of("mean_squared_error"), s -> Loss.meanSquaredError());

    TrainingRegistry.registerMetric("accuracy", Metric.ACCURACY);
    TrainingRegistry.registerMetric("sparse_categorical_accuracy", Metric.SPARSE_CATEGORICAL_ACCURACY);
    TrainingRegistry.registerMetric("categorical_accuracy", Metric.CATEGORICAL_ACCURACY);
    TrainingRegistry.registerMetric("binary_accuracy", Metric.BINARY_ACCURACY);
  }

  private static float f(Settings s, String key) {
    return (float) s.getDouble(key);
  }

  private static Settings fromLogits(boolean fromLogits) {
    return Settings.of("loss").put("from_logits", fromLogits);
  }
}
