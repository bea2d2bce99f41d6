package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Mistakes that used to pass silently or surface as raw TensorFlow errors (issue 13). */
class ClearMistakesTest {
  private static final Compile CLASSIFY =
      Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(3);
  private static final Fit QUIET = Fit.ofEpochs(1).batchSize(8).progress(ProgressSink.silent());

  // A strong reference: java.util.logging keeps loggers weakly.
  private final Logger logger = Logger.getLogger("dev.topiary");
  private final List<LogRecord> records = new ArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      synchronized (records) {
        records.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void capture() {
    logger.addHandler(handler);
  }

  @AfterEach
  void release() {
    logger.removeHandler(handler);
  }

  private List<String> warnings() {
    synchronized (records) {
      return records.stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage).toList();
    }
  }

  private static ModelSpec cnn() {
    return Sequential.of(Input.of(8, 8), Reshape.of(8, 8, 1), Conv2D.of(4, 3), MaxPooling2D.of(2), Flatten.of(),
        Dense.of(3));
  }

  // ---- item 1: PruningPolicy.named --------------------------------------------------------------

  @Test
  void namedPolicyWithAnUnknownNameListsTheLayers() {
    PruningSpec p = PruningSpec.of(ConstantSparsity.of(0.5, 0));
    assertThatThrownBy(() -> cnn().prunedWith(p, PruningPolicy.named("dense_1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no layer named 'dense_1'")
        .hasMessageContaining("[reshape, conv2d, max_pooling2d, flatten, dense]")
        .hasMessageContaining("prunable: [conv2d, dense]");
    assertThatThrownBy(() -> cnn().prunedWith(p, PruningPolicy.named("dense", "flatten")))
        .hasMessageContaining("layer 'flatten' (Flatten) has no prunable weights");
    assertThat(cnn().prunedWith(p, PruningPolicy.named("dense")).prunedLayers()).containsOnlyKeys("dense");
  }

  // ---- item 3: m-by-n on channel counts that are not a multiple of n ------------------------------

  @Test
  void mByNOnSevenChannelsWarnsWithTheRealSparsity() {
    ModelSpec spec = Sequential.of(Input.of(7), Dense.of(4).named("seven").prunable(PruningSpec.mByN(2, 4,
        ConstantSparsity.of(0.5, 0))));
    assertThat(spec.prunedLayers()).containsOnlyKeys("seven");
    assertThat(warnings()).singleElement().asString().contains("layer 'seven' (Dense), weight 'kernel'",
        "7 input channels are not a multiple of 4", "3/7 zeros = 0.4286 sparsity, not 0.5000");
  }

  @Test
  void mByNThatCannotPruneAnythingIsAnErrorWhenMarkedAndSkippedWithAWarningByAWholeModelMark() {
    assertThatThrownBy(() -> Sequential.of(Input.of(8, 8), Reshape.of(8, 8, 1),
        Conv2D.of(4, 3).prunable(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("layer 'conv2d' (Conv2D), weight 'kernel'")
        .hasMessageContaining("cannot prune a weight of shape [3, 3, 1, 4]");
    ModelSpec pruned = cnn().prunedWith(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0)));
    assertThat(pruned.prunedLayers()).containsOnlyKeys("dense");
    assertThat(warnings()).anySatisfy(w -> assertThat(w).contains("layer 'conv2d' (Conv2D) is left unpruned",
        "1 input channel(s)"));
  }

  // ---- item 4: Dense on rank-3 inputs, loss/label shape mismatches -------------------------------

  @Test
  void denseAppliesToTheLastAxisOfARank3InputAndIsGradientChecked() {
    ModelSpec spec = Sequential.of(Input.of(3, 4), Dense.of(5, Activation.TANH), Dense.of(2));
    assertThat(spec.outputs().get(0).shape().asArray()).containsExactly(-1, 3, 2);
    GradientCheckTest.check(spec, List.of(TestData.gaussian(1, 6, 3, 4)), TestData.gaussian(2, 6, 3, 2),
        Loss.meanSquaredError());
    // Pruned: the kernel keeps its [features, units] shape and sparsity.
    ModelSpec pruned = Sequential.of(Input.of(3, 4),
        Dense.of(8).prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 1))), Dense.of(2));
    try (Model model = pruned.compile(Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()).seed(1))) {
      model.fit(TestData.gaussian(3, 16, 3, 4), TestData.gaussian(4, 16, 3, 2), QUIET);
      assertThat(model.weights().get("dense_kernel").shape()).containsExactly(4, 8);
      assertThat(model.sparsity().get("dense_kernel")).isEqualTo(0.5);
      assertThat(model.predict(TestData.gaussian(5, 2, 3, 4)).shape()).containsExactly(2, 3, 2);
    }
  }

  @Test
  void categoricalLossesOnARank3OutputAverageOverEveryPosition() {
    float[] oneHot = new float[6 * 3 * 2];
    for (int i = 0; i < 6 * 3; i++) {
      oneHot[i * 2 + (i % 2)] = 1f;
    }
    ModelSpec spec = Sequential.of(Input.of(3, 4), Dense.of(2));
    GradientCheckTest.check(spec, List.of(TestData.gaussian(1, 6, 3, 4)), HostArray.of(oneHot, 6, 3, 2),
        Loss.categoricalCrossentropy(true));
    float[] binary = new float[6 * 3 * 2];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = i % 3 == 0 ? 1f : 0f;
    }
    GradientCheckTest.check(spec, List.of(TestData.gaussian(1, 6, 3, 4)), HostArray.of(binary, 6, 3, 2),
        Loss.binaryCrossentropy(true));
  }

  @Test
  void sparseLabelsForARank3OutputFailClearly() {
    ModelSpec spec = Sequential.of(Input.of(3, 4), Dense.of(5).named("tokens"));
    try (Model model = spec.compile(CLASSIFY)) {
      assertThatThrownBy(() -> model.fit(TestData.gaussian(1, 8, 3, 4), TestData.labels(1, 8, 5), QUIET))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("output 'tokens'")
          .hasMessageContaining("(None, 3, 5)")
          .hasMessageContaining("(None,)")
          .hasMessageContaining("(None, classes)");
    }
  }

  // ---- item 5: labels out of range ----------------------------------------------------------------

  @Test
  void sparseLabelsOutOfRangeFailBeforeAnyRunNamingTheOutputValueAndExample() {
    ModelSpec spec = Sequential.of(Input.of(4), Dense.of(3).named("logits"));
    try (Model model = spec.compile(CLASSIFY)) {
      HostArray x = TestData.gaussian(1, 5, 4);
      assertThatThrownBy(() -> model.fit(x, HostArray.ofLabels(new int[] {0, 1, 2, 3, 0}), QUIET))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("output 'logits'")
          .hasMessageContaining("label 3")
          .hasMessageContaining("example 3")
          .hasMessageContaining("[0, 3)");
      assertThatThrownBy(() -> model.evaluate(List.of(x), List.of(HostArray.ofLabels(new int[] {0, -1, 2, 1, 0})), 2))
          .hasMessageContaining("label -1")
          .hasMessageContaining("example 1");
      assertThat(model.step()).isZero();
    }
  }

  @Test
  void binaryLabelsOutsideZeroOneFailClearly() {
    ModelSpec spec = Sequential.of(Input.of(4), Dense.of(1).named("score"));
    try (Model model = spec.compile(Compile.of(Optimizer.sgd(0.1f), Loss.binaryCrossentropy(true)))) {
      HostArray x = TestData.gaussian(1, 4, 4);
      assertThatThrownBy(() -> model.fit(x, HostArray.of(new float[] {0, 1, 2, 0}, 4), QUIET))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("output 'score'")
          .hasMessageContaining("[0, 1]")
          .hasMessageContaining("2.0")
          .hasMessageContaining("example 2");
      assertThatThrownBy(() -> model.fit(x, HostArray.of(new float[] {0, 1, Float.NaN, 0}, 4), QUIET))
          .hasMessageContaining("NaN");
      model.fit(x, HostArray.of(new float[] {0, 1, 0.5f, 0}, 4), QUIET);
    }
  }

  // ---- item 7: toString says what things are ------------------------------------------------------

  @Test
  void toStringsSayWhatThingsAre() {
    ModelSpec spec = Sequential.of(Input.of(28, 28), Reshape.of(28, 28, 1), Conv2D.of(4, 3), Flatten.of(),
        Dense.of(16), Dense.of(10)).prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0)), PruningPolicy.named("dense"));
    assertThat(spec).hasToString("Sequential(input (None, 28, 28) -> 5 layers -> dense_1 (None, 10); pruned: dense)");
    assertThat(Sequential.of(Input.of(4), Dense.of(2)))
        .hasToString("Sequential(input (None, 4) -> 1 layer -> dense (None, 2); pruned: none)");
    Node a = Input.of(4);
    assertThat(a.toString()).isEqualTo("Input (None, 4)");
    Node out = Dense.of(3).named("logits").apply(a);
    assertThat(out).hasToString("Dense 'logits' (None, 3) <- (None, 4)");
    assertThat(Node.input("pixels", 2, 2)).hasToString("Input 'pixels' (None, 2, 2)");

    assertThat(CLASSIFY.toString()).startsWith("Compile(optimizer=Adam")
        .contains("loss=sparse_categorical_crossentropy(fromLogits=true)", "metrics=[accuracy]", "seed=3");
    assertThat(PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 100, 3, 10)).toString())
        .startsWith("PruningSpec(PolynomialDecay(initial=0.5, final=0.8").endsWith(", magnitude)");

    try (Model model = spec.compile(CLASSIFY)) {
      History h = model.fit(TestData.gaussian(1, 8, 28, 28), TestData.labels(1, 8, 10), QUIET.toBuilder().epochs(2).build());
      assertThat(h.toString()).startsWith("History(2 epochs; last: loss=").contains("accuracy=");
      Snapshot s = model.snapshot();
      assertThat(s.toString()).startsWith("Snapshot(" + s.names().size() + " variables, ")
          .contains("conv2d_kernel float32[3, 3, 1, 4]").contains(" more)");
      Checkpoint c = Checkpoint.of(model, 2, 0, "test");
      assertThat(c).hasToString("Checkpoint(epoch 2, batch 0, step 2; " + c.saved().variables().size() + " variables)");
    }
    assertThat(new History(List.of())).hasToString("History(no epochs)");
    assertThat(new History(List.of(Map.of("loss", 0.25)))).hasToString("History(1 epoch; last: loss=0.2500)");
  }
}
