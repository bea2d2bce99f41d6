package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelTest {
  private static final Compile CLASSIFY =
      Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(11);
  private static final Fit QUIET = Fit.ofEpochs(3).batchSize(32).progress(ProgressSink.silent());

  private static ModelSpec mlp(PruningSpec pruning) {
    return Sequential.of(Input.of(10),
        Dense.of(16, Activation.RELU).prunable(pruning),
        Dropout.of(0.1),
        Dense.of(2));
  }

  @Test
  void prunedTrainingReachesTheTargetAndStripKeepsOutputsExactly() {
    HostArray[] data = TestData.separable(1, 600, 10);
    ModelSpec spec = mlp(PruningSpec.of(PolynomialDecay.of(0.2, 0.75, 0, 40, 3, 5)));
    try (Model model = spec.compile(CLASSIFY)) {
      History h = model.fit(data[0], data[1], QUIET);
      assertThat(model.step()).isEqualTo(3 * 19);
      assertThat(h.last("accuracy")).isGreaterThan(0.85);
      assertThat(h.last("sparsity")).isEqualTo(0.75, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(model.sparsity()).containsOnlyKeys("dense_kernel");
      assertThat(model.sparsity().get("dense_kernel")).isEqualTo(0.75, org.assertj.core.data.Offset.offset(1e-6));
      HostArray before = model.predict(data[0]);
      try (Model stripped = model.strip()) {
        assertThat(stripped.spec().prunedLayers()).isEmpty();
        // A stripped model reports the real zeros of its prunable weights (issue 13; it used to say {}).
        assertThat(stripped.sparsity().get("dense_kernel")).isEqualTo(0.75);
        assertThat(stripped.predict(data[0]).floats()).containsExactly(before.floats());
        float[] kernel = stripped.weights().get("dense_kernel").floats();
        assertThat(dev.topiary.ops.Measurements.sparsity(kernel)).isEqualTo(0.75);
        assertThat(stripped.evaluate(data[0], data[1])).isEqualTo(model.evaluate(data[0], data[1]));
      }
    }
  }

  @Test
  void sameSeedGivesTheSameTrainingAndAnotherSeedDoesNot() {
    HostArray[] data = TestData.separable(2, 300, 10);
    ModelSpec spec = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 4)));
    float[] first;
    float[] second;
    float[] other;
    try (Model a = spec.compile(CLASSIFY); Model b = spec.compile(CLASSIFY); Model c = spec.compile(CLASSIFY.seed(12))) {
      a.fit(data[0], data[1], QUIET);
      b.fit(data[0], data[1], QUIET);
      c.fit(data[0], data[1], QUIET);
      first = a.weights().get("dense_kernel").floats();
      second = b.weights().get("dense_kernel").floats();
      other = c.weights().get("dense_kernel").floats();
    }
    assertThat(second).containsExactly(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void functionalModelsWithTwoInputsSharedLayersAndTwoOutputs() {
    Node left = Input.named("left", 6);
    Node right = Input.named("right", 6);
    Dense shared = Dense.of(8, Activation.TANH).named("shared").prunable(ConstantSparsity.of(0.5, 0, -1, 1));
    Node a = shared.apply(left);
    Node b = shared.apply(right);
    Node sum = Add.of().apply(a, b);
    Node joined = Concatenate.of().apply(a, b, sum);
    Node out1 = Dense.of(2).named("first").apply(joined);
    Node out2 = Dense.of(2).named("second").apply(sum);
    ModelSpec spec = Functional.of(List.of(left, right), List.of(out1, out2));
    assertThat(spec.layerNames()).containsExactly("shared", "add", "concatenate", "first", "second");
    assertThat(spec.outputs().get(0).shape().asArray()).containsExactly(-1, 2);

    HostArray x1 = TestData.gaussian(1, 64, 6);
    HostArray x2 = TestData.gaussian(2, 64, 6);
    try (Model model = spec.compile(CLASSIFY)) {
      // One set of weights for the shared layer.
      assertThat(model.weights()).containsOnlyKeys("shared_kernel", "shared_bias", "first_kernel", "first_bias",
          "second_kernel", "second_bias");
      History h = model.fit(List.of(x1, x2), List.of(TestData.labels(3, 64, 2), TestData.labels(4, 64, 2)), QUIET);
      assertThat(h.metricNames()).contains("loss", "first_accuracy", "second_accuracy", "sparsity");
      // The step advanced once per batch although the pruned layer runs twice per step.
      assertThat(model.step()).isEqualTo(3 * 2);
      assertThat(model.sparsity().get("shared_kernel")).isEqualTo(0.5);
      List<HostArray> out = model.predict(List.of(x1, x2), 16);
      assertThat(out).hasSize(2);
      assertThat(out.get(1).shape()).containsExactly(64, 2);
    }
  }

  @Test
  void summaryListsLayersShapesParametersAndSparsity() {
    ModelSpec spec = Sequential.of(Input.of(28, 28),
        Reshape.of(28, 28, 1),
        Conv2D.of(12, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Flatten.of(),
        Dense.of(10).prunable(ConstantSparsity.of(0.8, 0)));
    ModelSummary definition = spec.summary();
    assertThat(definition.totalParams()).isEqualTo(120 + 20_290);
    assertThat(definition.prunableParams()).isEqualTo(108 + 20_280);
    assertThat(definition.rows()).extracting(ModelSummary.Row::name)
        .containsExactly("input", "reshape", "conv2d", "max_pooling2d", "flatten", "dense");
    assertThat(definition.rows().get(5).outputShape()).isEqualTo("(None, 10)");
    assertThat(definition.rows().get(2).outputShape()).isEqualTo("(None, 26, 26, 12)");
    try (Model model = spec.compile(CLASSIFY)) {
      model.fit(TestData.gaussian(1, 64, 28, 28), TestData.labels(2, 64, 10), Fit.ofEpochs(1).progress(ProgressSink.silent()));
      ModelSummary s = model.summary();
      assertThat(s.rows().get(5).sparsity().get("kernel")).isEqualTo(0.8, org.assertj.core.data.Offset.offset(1e-6));
      String table = s.toString();
      assertThat(table).contains("Model: Sequential", "conv2d (Conv2D)", "(None, 13, 13, 12)", "20,290",
          "kernel 0.8000", "Total params: 20,410", "Prunable params: 20,388");
    }
  }

  @Test
  void wholeModelPruningFollowsThePolicy() {
    ModelSpec spec = Sequential.of(Input.of(8, 8, 1),
        Conv2D.of(4, 3), Flatten.of(), Dense.of(16), Dense.of(8), Dense.of(2));
    PruningSpec p = PruningSpec.of(ConstantSparsity.of(0.5, 0));
    assertThat(spec.prunedWith(p).prunedLayers()).containsOnlyKeys("conv2d", "dense", "dense_1", "dense_2");
    assertThat(spec.prunedWith(p, PruningPolicy.only(Dense.class)).prunedLayers())
        .containsOnlyKeys("dense", "dense_1", "dense_2");
    assertThat(spec.prunedWith(p, PruningPolicy.exceptFirstAndLast()).prunedLayers())
        .containsOnlyKeys("dense", "dense_1");
    assertThat(spec.prunedWith(p, PruningPolicy.named("dense_1")).prunedLayers()).containsOnlyKeys("dense_1");
    // A subclass of Dense is still a Dense for the policy and keeps its prunable kernel.
    class Logits extends Dense {
      Logits() {
        super(null, null, 2, Activation.LINEAR, true);
      }
    }
    ModelSpec custom = Sequential.of(Input.of(4), new Logits());
    assertThat(custom.prunedWith(p, PruningPolicy.only(Dense.class)).prunedLayers()).containsOnlyKeys("dense");
    assertThat(spec.withoutPruning().prunedLayers()).isEmpty();
  }

  @Test
  void structuredPruningOptionsReachTheLayers() {
    ModelSpec spec = Sequential.of(Input.of(8),
        Dense.of(8).prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 1)).withBlock(1, 4, BlockPooling.AVG)),
        Dense.of(4).prunable(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0))));
    try (Model model = spec.compile(CLASSIFY)) {
      model.fit(TestData.gaussian(1, 32, 8), TestData.labels(1, 32, 4), Fit.ofEpochs(1).progress(ProgressSink.silent()));
      float[] blocks = model.weights().get("dense_kernel").floats();
      for (int row = 0; row < 8; row++) {
        for (int b = 0; b < 2; b++) {
          float first = blocks[row * 8 + b * 4];
          for (int j = 1; j < 4; j++) {
            assertThat(blocks[row * 8 + b * 4 + j] == 0).isEqualTo(first == 0);
          }
        }
      }
      assertThat(model.sparsity()).containsEntry("dense_kernel", 0.5).containsEntry("dense_1_kernel", 0.5);
    }
  }

  @Test
  void callbacksSeeEpochsAndCanStopTraining() {
    HostArray[] data = TestData.separable(5, 200, 10);
    int[] seen = new int[1];
    Callback stopAfterTwo = new Callback() {
      @Override
      public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext control) {
        seen[0]++;
        assertThat(logs).containsKeys("loss", "accuracy", "val_loss", "val_accuracy");
        if (epoch == 1) {
          control.stopTraining();
        }
      }
    };
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (Model model = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0))).compile(CLASSIFY)) {
      History h = model.fit(data[0], data[1], Fit.ofEpochs(10).validationSplit(0.2).callbacks(stopAfterTwo)
          .progress(ProgressSink.to(new PrintStream(printed), false)));
      assertThat(h.epochs()).hasSize(2);
    }
    assertThat(seen[0]).isEqualTo(2);
    assertThat(printed.toString()).contains("Epoch 1/10", "Epoch 2/10", "loss: ", "val_accuracy: ", "sparsity: 0.5000");
  }

  @Test
  void definitionErrorsNameTheLayerAndShapes() {
    assertThatThrownBy(() -> Sequential.of(Input.of(28, 28), Conv2D.of(4, 3)))
        .isInstanceOf(LayerShapeException.class)
        .hasMessage("a Conv2D layer expects input of shape (batch, height, width, channels), got (None, 28, 28)");
    assertThatThrownBy(() -> Sequential.of(Input.of(4, 4, 1), Conv2D.of(4, 5).named("big")))
        .hasMessageContaining("layer 'big' (Conv2D) with a 5x5 kernel and VALID padding does not fit input (None, 4, 4, 1)");
    assertThatThrownBy(() -> Sequential.of(Input.of(10), Reshape.of(3, 3)))
        .hasMessageContaining("cannot reshape input (None, 10) (10 values per example) to [3, 3]");
    Node a = Input.of(3);
    Node b = Input.of(4);
    assertThatThrownBy(() -> Add.of().named("sum").apply(a, b))
        .hasMessage("layer 'sum' (Add) needs inputs whose axes are equal or 1 (broadcast), got (None, 3) and (None, 4)");
    assertThatThrownBy(() -> MaxPooling2D.of(2).prunable(ConstantSparsity.of(0.5, 0)))
        .hasMessageContaining("a MaxPooling2D layer has no prunable weights");
    assertThatThrownBy(() -> Flatten.of().named("flat").prunable(ConstantSparsity.of(0.5, 0)))
        .hasMessageStartingWith("layer 'flat' (Flatten) has no prunable weights");
    assertThatThrownBy(() -> Sequential.of(Input.of(4), Dense.of(2).named("x"), Dense.of(2).named("x")))
        .hasMessageContaining("two layers are named 'x'");
    assertThatThrownBy(() -> Sequential.of(Input.of(4, 4, 3),
            Conv2D.of(2, 3).named("c").prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0)).withBlock(2, 2, BlockPooling.MAX))))
        .hasMessageContaining("layer 'c' (Conv2D), weight 'kernel': block sparsity")
        .hasMessageContaining("[3, 3, 3, 2]");
    assertThatThrownBy(() -> Dense.of(0)).hasMessage("Dense units must be >= 1, got 0");
    assertThatThrownBy(() -> Dense.of(3).named("has space")).hasMessageContaining("invalid layer name 'has space'");
    assertThat(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0)).strategy()).isEqualTo(MaskStrategy.mByN(2, 4));
  }

  @Test
  void badTrainingInputFailsFastWithClearMessages() {
    try (Model model = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0))).compile(CLASSIFY)) {
      HostArray x = TestData.gaussian(1, 20, 10);
      HostArray y = TestData.labels(1, 20, 2);
      assertThatThrownBy(() -> model.fit(x, TestData.gaussian(1, 20), QUIET))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("sparse_categorical_crossentropy needs integer labels for output 'dense_1', got float labels");
      assertThatThrownBy(() -> model.fit(x, HostArray.ofLabels(new int[40], 20, 2), QUIET))
          .hasMessage("sparse_categorical_crossentropy labels for output 'dense_1' must have shape (None,), got [20, 2]");
      assertThatThrownBy(() -> model.fit(x, TestData.labels(1, 19, 2), QUIET))
          .hasMessage("training labels for output 'dense_1' have 19 examples but the inputs have 20");
      assertThatThrownBy(() -> model.fit(TestData.gaussian(1, 20, 11), y, QUIET))
          .hasMessage("input 'input' takes float examples of shape (None, 10), got HostArray(float[20, 11])");
      assertThatThrownBy(() -> model.fit(HostArray.of(new float[0], 0, 10), HostArray.ofLabels(new int[0]), QUIET))
          .hasMessage("no training examples were given");
      assertThatThrownBy(() -> Fit.ofEpochs(1).batchSize(0)).hasMessage("batch size must be >= 1, got 0");
      assertThatThrownBy(() -> model.evaluate(List.of(x), List.of(y), 0)).hasMessage("batch size must be >= 1, got 0");
      assertThatThrownBy(() -> model.setWeights(Map.of("nope", x))).hasMessageStartingWith("unknown weight 'nope'");
      assertThatThrownBy(() -> model.setWeights(Map.of("dense_kernel", x)))
          .hasMessageContaining("must be float of shape [10, 16]");
    }
  }

  @Test
  void nanLossStopsTrainingWithAClearMessage() {
    float[] x = new float[20 * 10];
    x[7] = Float.NaN;
    try (Model model = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0))).compile(CLASSIFY)) {
      assertThatThrownBy(() -> model.fit(HostArray.of(x, 20, 10), TestData.labels(1, 20, 2), QUIET.shuffle(false)))
          .isInstanceOf(TrainingDivergedException.class)
          .hasMessageStartingWith("loss became NaN at epoch 1, batch 1");
    }
  }

  @Test
  void everyOptimizerTrains() {
    HostArray[] data = TestData.separable(9, 400, 10);
    for (Optimizer o : List.of(Optimizer.adam(0.01f), Optimizer.sgd(0.1f), Optimizer.sgd(0.05f, 0.9f, true),
        Optimizer.sgd(0.05f, 0.9f, false), Optimizer.rmsProp(0.01f))) {
      try (Model model = mlp(PruningSpec.of(ConstantSparsity.of(0.5, 0))).compile(CLASSIFY.optimizer(o))) {
        History h = model.fit(data[0], data[1], Fit.ofEpochs(5).progress(ProgressSink.silent()));
        assertThat(h.last("loss")).as(o.toString()).isLessThan(h.metric("loss")[0]);
        assertThat(h.last("accuracy")).as(o.toString()).isGreaterThan(0.8);
      }
    }
    assertThatThrownBy(() -> Optimizer.adam(-1f)).hasMessage("Adam learning rate must be a positive number, got -1.0");
  }
}
