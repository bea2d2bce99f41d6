package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.OptimizerUpdate;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.dsl.training.TrainingRegistry;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.mask.MaskResult;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.mask.StrategyRegistry;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** A user's own mask strategy, optimizer, loss and metric: registered, trained with, saved and loaded by name. */
class ExtensionPointsTest {
  private static final Fit QUIET = Fit.ofEpochs(5).batchSize(32).progress(ProgressSink.silent());

  /** Keeps every weight at least {@code minimum} in magnitude, whatever the schedule's sparsity. */
  record AtLeast(float minimum) implements MaskStrategy {
    @Override
    public void validate(Shape shape) {}

    @Override
    public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
      Operand<TFloat32> keep =
          tf.dtypes.cast(tf.math.greaterEqual(tf.math.abs(weights), tf.constant(minimum)), TFloat32.class);
      return new MaskResult(keep, tf.constant(minimum));
    }

    @Override
    public HostMask host(float[] weights, long[] shape, float sparsity) {
      float[] mask = new float[weights.length];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = Math.abs(weights[i]) >= minimum ? 1f : 0f;
      }
      return new HostMask(mask, shape, minimum);
    }
  }

  /** Not registered. */
  record Secret() implements MaskStrategy {
    @Override
    public void validate(Shape shape) {}

    @Override
    public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
      return MaskStrategy.magnitude().ops(tf, weights, sparsity);
    }

    @Override
    public HostMask host(float[] weights, long[] shape, float sparsity) {
      return MaskStrategy.magnitude().host(weights, shape, sparsity);
    }
  }

  /** Heavy-ball momentum written with plain ops: velocity := beta * velocity + g; w -= lr * velocity. */
  static final class HeavyBall extends Optimizer {
    final float learningRate;
    final float beta;

    HeavyBall(float learningRate, float beta) {
      super("heavy_ball");
      requirePositive("heavy ball learning rate", learningRate);
      requireFraction("heavy ball beta", beta);
      this.learningRate = learningRate;
      this.beta = beta;
    }

    @Override
    protected void createSlots(OptimizerUpdate update, Variable<TFloat32> variable) {
      update.createSlot(variable, "heavy_ball_velocity");
    }

    @Override
    protected Op applyDense(OptimizerUpdate update, Gradient g) {
      Ops tf = update.tf();
      Variable<TFloat32> velocity = update.slot(g.variable(), "heavy_ball_velocity");
      Operand<TFloat32> next = tf.assign(velocity, tf.math.add(tf.math.mul(tf.constant(beta), velocity), g.gradient()));
      return tf.assignSub(g.variable(), tf.math.mul(tf.constant(learningRate), next));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof HeavyBall h && h.learningRate == learningRate && h.beta == beta;
    }

    @Override
    public int hashCode() {
      return Objects.hash(learningRate, beta);
    }
  }

  /** Half the squared error, labels shaped like the output. */
  record HalfSquaredError() implements Loss {
    @Override
    @SuppressWarnings("unchecked")
    public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels) {
      Operand<TFloat32> diff = tf.math.sub(output, (Operand<TFloat32>) labels);
      return tf.math.mul(tf.constant(0.5f), tf.math.mean(tf.math.mul(diff, diff), tf.constant(-1)));
    }

    @Override
    public String kerasName() {
      return "half_squared_error";
    }
  }

  /** Mean absolute error per example. */
  static final class MeanAbsoluteError implements Metric {
    static final MeanAbsoluteError INSTANCE = new MeanAbsoluteError();

    @Override
    public String logName() {
      return "mae";
    }

    @Override
    @SuppressWarnings("unchecked")
    public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels, Loss loss) {
      return tf.math.mean(tf.math.abs(tf.math.sub(output, (Operand<TFloat32>) labels)), tf.constant(-1));
    }
  }

  static {
    StrategyRegistry.register("at_least", AtLeast.class, s -> Map.of("minimum", (double) s.minimum()),
        c -> new AtLeast((float) c.getDouble("minimum")));
    TrainingRegistry.registerOptimizer("heavy_ball", HeavyBall.class,
        o -> Settings.of("heavy_ball").put("learning_rate", (double) o.learningRate).put("beta", (double) o.beta),
        s -> new HeavyBall((float) s.getDouble("learning_rate"), (float) s.getDouble("beta")));
    TrainingRegistry.registerLoss("half_squared_error", HalfSquaredError.class, l -> Settings.of("loss"),
        s -> new HalfSquaredError());
    TrainingRegistry.registerMetric("mae", MeanAbsoluteError.INSTANCE);
  }

  private static ModelSpec mlp(PruningSpec pruning) {
    return Sequential.of(Input.of(10), Dense.of(16, Activation.RELU).prunable(pruning), Dense.of(2));
  }

  @Test
  void aUserStrategyTrainsAndIsSavedAndLoadedByName(@TempDir Path dir) throws Exception {
    HostArray[] data = TestData.separable(3, 200, 10);
    AtLeast strategy = new AtLeast(0.2f);
    Compile compile = Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true)).seed(4);
    try (Model model = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 1)).withStrategy(strategy)).compile(compile)) {
      model.fit(data[0], data[1], QUIET);
      String kernelName = model.spec().prunedWeights().keySet().iterator().next();
      float[] kernel = model.weights().get(kernelName).floats();
      assertThat(kernel).contains(0f);
      for (float w : kernel) {
        assertThat(w == 0f || Math.abs(w) >= 0.2f).as("weight %s", w).isTrue();
      }
      ModelFiles.save(model, dir);
      String json = Files.readString(dir.resolve(ModelFiles.CONFIG));
      assertThat(json).contains("\"type\": \"at_least\"", "\"minimum\": 0.2");
      assertThat(ModelFiles.loadSpec(dir).prunedLayers().get("dense").strategy()).isEqualTo(strategy);
      try (Model loaded = ModelFiles.load(dir, compile)) {
        assertThat(loaded.predict(data[0]).floats()).containsExactly(model.predict(data[0]).floats());
      }
      // A name nobody registered fails, naming it and the file; so does an unknown schedule. (Edited
      // copies beside the directory: inside it, the manifest refuses any edit before names are read.)
      Path edited = dir.resolveSibling(dir.getFileName() + "-edited.json");
      Files.writeString(edited, json.replace("\"at_least\"", "\"lottery\""));
      assertThatThrownBy(() -> dev.topiary.dsl.config.ModelConfig.read(edited))
          .isInstanceOf(CorruptFileException.class)
          .hasMessageStartingWith(edited + ": layer 'dense' pruning strategy: unknown mask"
              + " strategy 'lottery'")
          .hasMessageContaining("StrategyRegistry.register");
      Files.writeString(edited, json.replace("\"ConstantSparsity\"", "\"Cubic\""));
      assertThatThrownBy(() -> dev.topiary.dsl.config.ModelConfig.read(edited))
          .isInstanceOf(CorruptFileException.class)
          .hasMessageStartingWith(edited + ": layer 'dense' pruning: unknown schedule type 'Cubic'");
      Files.delete(edited);
    }
  }

  @Test
  void anUnregisteredStrategyCannotBeSaved() {
    ModelSpec spec = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0)).withStrategy(new Secret()));
    assertThatThrownBy(() -> ModelConfig.toJson(spec))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageStartingWith("layer 'dense'")
        .hasMessageContaining("mask strategy Secret[]")
        .hasMessageContaining("is not registered: call StrategyRegistry.register to save models that use it");
  }

  @Test
  void aUserOptimizerTrainsAndRoundTripsByName() {
    HeavyBall heavyBall = new HeavyBall(0.05f, 0.9f);
    Compile compile = Compile.of(heavyBall, Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(5);
    Settings written = TrainingRegistry.writeCompile(compile);
    assertThat(written.asMap().get("optimizer")).isEqualTo(Map.of("type", "heavy_ball", "learning_rate", 0.05f + 0.0,
        "beta", 0.9f + 0.0));
    assertThat(TrainingRegistry.readCompile(new Settings("compile.json", written.asMap()))).isEqualTo(compile);

    HostArray[] data = TestData.separable(9, 400, 10);
    try (Model model = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0))).compile(compile)) {
      History h = model.fit(data[0], data[1], QUIET);
      assertThat(h.last("loss")).isLessThan(h.metric("loss")[0]);
      assertThat(h.last("accuracy")).isGreaterThan(0.8);
      assertThat(model.snapshot().variables().keySet()).contains("optimizer/dense_kernel_heavy_ball_velocity");
    }
  }

  @Test
  void aUserLossAndMetricTrainAndRoundTripByName() {
    HostArray x = TestData.gaussian(1, 256, 10);
    float[] xs = x.floats();
    float[] y = new float[256];
    for (int i = 0; i < y.length; i++) {
      y[i] = xs[i * 10] - 2 * xs[i * 10 + 1];
    }
    Compile compile = Compile.of(Optimizer.sgd(0.05f), new HalfSquaredError()).metrics(MeanAbsoluteError.INSTANCE).seed(2);
    assertThat(TrainingRegistry.readCompile(new Settings("c.json", TrainingRegistry.writeCompile(compile).asMap())))
        .isEqualTo(compile);
    try (Model model = Sequential.of(Input.of(10), Dense.of(1)).compile(compile)) {
      History h = model.fit(x, HostArray.of(y, 256, 1), QUIET);
      assertThat(h.last("loss")).isLessThan(h.metric("loss")[0] / 4);
      assertThat(h.last("mae")).isLessThan(h.metric("mae")[0]);
    }
    assertThatThrownBy(() -> Compile.of(Optimizer.sgd(0.1f), new HalfSquaredError()).metrics(Metric.ACCURACY))
        .hasMessageContaining("accuracy is not defined for half_squared_error");
  }

  @Test
  void unknownAndUnregisteredTrainingNamesFailNamingThem() {
    Settings compile = TrainingRegistry.writeCompile(
        Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)).metrics(Metric.BINARY_ACCURACY));
    assertThat(compile.asMap().get("loss")).isEqualTo(Map.of("type", "binary_crossentropy", "from_logits", false));
    for (String part : List.of("optimizer", "loss")) {
      Map<String, Object> root = new java.util.LinkedHashMap<>(compile.asMap());
      root.put(part, Map.of("type", "mystery"));
      assertThatThrownBy(() -> TrainingRegistry.readCompile(new Settings("train.json", root)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("train.json " + part + ": unknown " + part + " 'mystery'; register custom " + part
              + "s with TrainingRegistry.register");
    }
    Map<String, Object> root = new java.util.LinkedHashMap<>(compile.asMap());
    root.put("metrics", List.of(Map.of("type", "f1")));
    assertThatThrownBy(() -> TrainingRegistry.readCompile(new Settings("train.json", root)))
        .hasMessageStartingWith("train.json metric #0: unknown metric 'f1'")
        .hasMessageContaining("known: [accuracy, binary_accuracy");
    Optimizer anonymous = new Optimizer("anon") {
      @Override
      protected Op applyDense(OptimizerUpdate update, Gradient gradient) {
        return update.tf().noOp();
      }
    };
    assertThatThrownBy(() -> TrainingRegistry.writeOptimizer(anonymous))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("is not registered: call TrainingRegistry.registerOptimizer");
    assertThatThrownBy(() -> TrainingRegistry.registerOptimizer("adam", HeavyBall.class, o -> Settings.of("x"),
        s -> new HeavyBall(1, 0))).hasMessageContaining("optimizer name 'adam' is already registered");
  }
}
