package dev.topiary.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.TensorFlowRuntime;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class EagerGraphBridgeTest {
  private static final Compile COMPILE =
      Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(5);
  private static final Fit FIT = Fit.ofEpochs(2).batchSize(16).progress(ProgressSink.silent());

  /** Every layer of the DSL, two pruned weights (one with blocks), in one functional model. */
  static ModelSpec everyLayer() {
    Node in = Input.of(8, 8, 2);
    Node x = ZeroPadding2D.of(1).apply(in);
    x = Conv2D.of(6, 3).padding(Padding.SAME).prunable(PolynomialDecay.of(0.2, 0.6, 0, 8, 3, 2)).apply(x);
    x = BatchNormalization.of().apply(x);
    x = ActivationLayer.of(Activation.RELU).apply(x);
    Node a = MaxPooling2D.of(2).apply(x);
    Node b = AveragePooling2D.of(2).apply(x);
    Node merged = Add.of().apply(a, b);
    Node pooled = GlobalAveragePooling2D.of().apply(merged);
    Node flat = Flatten.of().apply(Reshape.of(5, 5, 6).apply(merged));
    Node joined = Concatenate.of().apply(pooled, Dropout.of(0.3).apply(flat));
    Node hidden = Dense.of(16, Activation.TANH)
        .prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 3)).withBlock(1, 4, BlockPooling.AVG)).apply(joined);
    return Functional.of(in, Dense.of(3).apply(hidden));
  }

  static HostArray images(long seed, int n) {
    Random r = new Random(seed);
    float[] v = new float[n * 8 * 8 * 2];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return HostArray.of(v, n, 8, 8, 2);
  }

  static HostArray labels(long seed, int n) {
    Random r = new Random(seed);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
    }
    return HostArray.ofLabels(y);
  }

  private static void assertClose(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  @Test
  void eagerExecutionMatchesGraphForEveryLayer() {
    HostArray x = images(1, 48);
    HostArray y = labels(2, 48);
    try (Model graph = everyLayer().compile(COMPILE)) {
      graph.fit(x, y, FIT);
      try (EagerModel eager = EagerModel.from(graph)) {
        assertThat(graph.executionMode()).isEqualTo(ExecutionMode.GRAPH);
        assertThat(eager.executionMode()).isEqualTo(ExecutionMode.EAGER);
        assertClose(eager.predict(x).floats(), graph.predict(x).floats());
        Map<String, Double> ge = graph.evaluate(x, y);
        Map<String, Double> ee = eager.evaluate(x, y);
        assertThat(ee.keySet()).containsExactlyElementsOf(ge.keySet());
        assertThat(ee.get("loss")).isCloseTo(ge.get("loss"), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(ee.get("accuracy")).isEqualTo(ge.get("accuracy"));
        assertThat(eager.sparsity()).isEqualTo(graph.sparsity());
        assertThat(eager.weights().keySet()).containsExactlyElementsOf(graph.weights().keySet());
        graph.weights().forEach((k, v) -> assertThat(eager.weights().get(k).floats()).as(k).containsExactly(v.floats()));
        try (Model gs = graph.strip(); Model es = eager.strip()) {
          assertThat(es.executionMode()).isEqualTo(ExecutionMode.EAGER);
          assertClose(es.predict(x).floats(), gs.predict(x).floats());
          assertThat(es.sparsity()).isEqualTo(gs.sparsity()).isNotEmpty(); // real zeros of the stripped weights
        }
        assertThat(eager.summary().toString()).isEqualTo(graph.summary().toString());
      }
    }
  }

  @Test
  void snapshotsRoundTripBitForBit() {
    HostArray x = images(3, 32);
    HostArray y = labels(4, 32);
    try (Model graph = everyLayer().compile(COMPILE)) {
      graph.fit(x, y, FIT);
      Snapshot original = graph.snapshot();
      assertThat(original.names()).contains("conv2d_kernel", "conv2d_kernel_prune_mask", "conv2d_kernel_prune_threshold",
          "conv2d_kernel_prune_updates", "global_step", "batch_normalization_moving_mean",
          "optimizer/conv2d_kernel_adam_m", "optimizer/adam_beta1_power");
      assertThat(original.get("global_step").longs()).containsExactly(4L);
      try (EagerModel eager = EagerModel.from(graph); Model back = eager.toGraph(); Model fresh = everyLayer().compile(COMPILE)) {
        assertThat(eager.snapshot()).isEqualTo(original);
        assertThat(back.snapshot()).isEqualTo(original);
        fresh.restore(eager.snapshot());
        assertThat(fresh.snapshot()).isEqualTo(original);
        assertThat(fresh.predict(x).floats()).containsExactly(graph.predict(x).floats());
        // Training continues identically from a restored snapshot.
        graph.fit(x, y, FIT);
        fresh.fit(x, y, FIT);
        assertThat(fresh.snapshot()).isEqualTo(graph.snapshot());
      }
    }
  }

  @Test
  void eagerFitEqualsGraphFitForTheSameSeed() {
    HostArray x = images(5, 40);
    HostArray y = labels(6, 40);
    try (EagerModel eager = EagerModel.build(everyLayer(), COMPILE); Model graph = everyLayer().compile(COMPILE)) {
      assertThat(eager.snapshot().filter(n -> !n.startsWith("optimizer/")))
          .isEqualTo(graph.snapshot().filter(n -> !n.startsWith("optimizer/")));
      var eh = eager.fit(x, y, FIT);
      var gh = graph.fit(x, y, FIT);
      assertThat(eh).isEqualTo(gh);
      eager.fit(x, y, FIT);
      graph.fit(x, y, FIT);
      assertThat(eager.snapshot()).isEqualTo(graph.snapshot());
      assertThat(eager.step()).isEqualTo(graph.step()).isEqualTo(12);
    }
  }

  @Test
  void eagerMaskRecomputationMatchesTheGraphsNextUpdate() {
    HostArray x = images(7, 32);
    HostArray y = labels(8, 32);
    ModelSpec spec = everyLayer();
    try (Model graph = spec.compile(COMPILE)) {
      graph.fit(x, y, Fit.ofEpochs(1).batchSize(16).progress(ProgressSink.silent())); // steps 0, 1
      try (EagerModel eager = EagerModel.from(graph)) {
        var predicted = eager.recomputeMasks(); // at step 2, a mask update step for conv2d (frequency 2)
        graph.fit(x.slice(0, 16), y.slice(0, 16), Fit.ofEpochs(1).batchSize(16).shuffle(false).progress(ProgressSink.silent()));
        HostArray graphMask = EagerModel.from(graph).masks().get("conv2d_kernel");
        assertThat(predicted.get("conv2d_kernel").mask()).containsExactly(graphMask.floats());
      }
    }
  }

  @Test
  void compatibilityRulesGiveClearErrors() {
    assertThatThrownBy(() -> TensorFlowRuntime.requireSupported("1.13.2"))
        .isInstanceOf(TensorFlowRuntime.UnsupportedRuntimeException.class)
        .hasMessageStartingWith("TensorFlow runtime 1.13.2 found; Topiary needs TensorFlow 1.14 or newer");
    assertThatThrownBy(() -> TensorFlowRuntime.requireSupported("0.12.0")).hasMessageContaining("0.12.0 found");
    assertThatThrownBy(() -> TensorFlowRuntime.requireSupported("unknown")).hasMessageContaining("cannot read");
    TensorFlowRuntime.requireSupported("1.14.0");
    TensorFlowRuntime.requireSupported("2.18.0");
    TensorFlowRuntime.requireSupported(org.tensorflow.TensorFlow.version());

    ModelSpec spec = ModelSpec_mlp();
    try (Model graph = spec.compile(COMPILE); EagerModel eager = EagerModel.build(spec, COMPILE);
        EagerSession session = EagerSession.create(); Graph other = new Graph()) {
      Operand<TFloat32> eagerInput = Ops.create(session).constant(new float[][] {{1, 2, 3, 4}});
      Operand<TFloat32> graphInput = Ops.create(other).constant(new float[][] {{1, 2, 3, 4}});
      assertThatThrownBy(() -> eager.call(graphInput))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("a graph operand was passed to an eager model");
      assertThatThrownBy(() -> graph.call(eagerInput))
          .hasMessageStartingWith("an eager operand was passed to a graph model");
      assertThatThrownBy(() -> graph.call(graphInput)).hasMessage("the operand belongs to another graph than this model's");
      assertThat(eager.call(eagerInput).asTensor().shape().asArray()).containsExactly(1, 3);
      assertThatThrownBy(() -> eager.fit(HostArray.of(new float[8], 2, 4), HostArray.ofLabels(new int[2]),
              FIT.distribution(Distribution.multiWorker(List.of("10.0.0.2:2222")))))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageStartingWith("distributed training requires graph execution");
    }
  }

  private static ModelSpec ModelSpec_mlp() {
    Node in = Input.of(4);
    return Functional.of(in, Dense.of(3).apply(Dense.of(5, Activation.RELU).prunable(ConstantSparsity.of(0.5, 0)).apply(in)));
  }

  /** The sequence layers (Embedding, recurrent, attention, 1-D convolution...) run eagerly with graph numbers. */
  @Test
  void eagerExecutionMatchesGraphForSequenceLayers() {
    Node tokens = Input.of(7);
    Node x = dev.topiary.dsl.layers.core.Embedding.of(30, 6).maskZero(true).apply(tokens);
    x = dev.topiary.dsl.layers.recurrent.Bidirectional.of(dev.topiary.dsl.layers.recurrent.LSTM.of(4).returnSequences(true)
        .prunable(ConstantSparsity.of(0.5, 0, -1, 2))).apply(x);
    x = dev.topiary.dsl.layers.recurrent.GRU.of(5).returnSequences(true).apply(x);
    x = dev.topiary.dsl.layers.attention.MultiHeadAttention.of(2, 3).apply(x);
    x = dev.topiary.dsl.layers.normalization.LayerNormalization.of().apply(x);
    x = dev.topiary.dsl.layers.convolution.Conv1D.of(4, 3).apply(x);
    x = dev.topiary.dsl.layers.recurrent.TimeDistributed.of(Dense.of(3)).apply(x);
    Node out = Dense.of(3).apply(dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D.of().apply(
        dev.topiary.dsl.layers.recurrent.SimpleRNN.of(3).returnSequences(true).apply(x)));
    ModelSpec spec = Functional.of(tokens, out);
    Random r = new Random(4);
    float[] ids = new float[24 * 7];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(30);
    }
    HostArray in = HostArray.of(ids, 24, 7);
    try (Model graph = spec.compile(COMPILE)) {
      graph.fit(in, labels(3, 24), FIT);
      try (EagerModel eager = EagerModel.from(graph)) {
        assertClose(eager.predict(in).floats(), graph.predict(in).floats());
      }
    }
  }
}
