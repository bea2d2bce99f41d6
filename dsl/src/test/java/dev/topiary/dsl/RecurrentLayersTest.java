package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.layers.recurrent.Bidirectional;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.recurrent.SimpleRNN;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecurrentLayersTest {
  private static final Compile MSE = Compile.of(Optimizer.adam(0.01f), Loss.meanSquaredError()).seed(4);

  static HostArray tokens(long seed, int n, int steps, int vocabulary) {
    Random r = new Random(seed);
    float[] ids = new float[n * steps];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(vocabulary);
    }
    return HostArray.of(ids, n, steps);
  }

  @Test
  void lstmFollowsKerasGateOrderAndEquations() {
    HostArray x = HostArray.of(new float[] {0.5f, -1f, 0.25f, 2f, -0.5f, 0.75f}, 1, 3, 2);
    Random r = new Random(2);
    float[] k = new float[2 * 8];
    float[] rk = new float[2 * 8];
    float[] b = new float[8];
    for (float[] a : new float[][] {k, rk, b}) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) r.nextGaussian() * 0.5f;
      }
    }
    Map<String, HostArray> w = new LinkedHashMap<>();
    w.put("lstm_kernel", HostArray.of(k, 2, 8));
    w.put("lstm_recurrent_kernel", HostArray.of(rk, 2, 8));
    w.put("lstm_bias", HostArray.of(b, 8));
    float[] out;
    try (Model m = Sequential.of(Input.of(3, 2), LSTM.of(2).returnSequences(true)).compile(MSE)) {
      m.setWeights(w);
      out = m.predict(x).floats();
    }
    double[] h = new double[2];
    double[] c = new double[2];
    float[] in = x.floats();
    for (int t = 0; t < 3; t++) {
      double[] z = new double[8];
      for (int j = 0; j < 8; j++) {
        z[j] = b[j];
        for (int f = 0; f < 2; f++) {
          z[j] += in[t * 2 + f] * k[f * 8 + j];
        }
        for (int u = 0; u < 2; u++) {
          z[j] += h[u] * rk[u * 8 + j];
        }
      }
      for (int u = 0; u < 2; u++) {
        double i = sigmoid(z[u]);
        double f = sigmoid(z[2 + u]);
        double g = Math.tanh(z[4 + u]);
        double o = sigmoid(z[6 + u]);
        c[u] = f * c[u] + i * g;
        h[u] = o * Math.tanh(c[u]);
      }
      for (int u = 0; u < 2; u++) {
        assertThat(out[t * 2 + u]).as("step %d unit %d", t, u).isCloseTo((float) h[u], within(1e-5f));
      }
    }
  }

  private static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  @Test
  void recurrentKernelsStartOrthogonalAndLstmForgetBiasAtOne() {
    try (Model m = Sequential.of(Input.of(4, 3), LSTM.of(5)).compile(MSE)) {
      float[] r = m.weights().get("lstm_recurrent_kernel").floats(); // [5, 20], rows orthonormal
      for (int a = 0; a < 5; a++) {
        for (int b = 0; b < 5; b++) {
          double dot = 0;
          for (int j = 0; j < 20; j++) {
            dot += r[a * 20 + j] * r[b * 20 + j];
          }
          assertThat(dot).isCloseTo(a == b ? 1 : 0, within(1e-5));
        }
      }
      assertThat(m.weights().get("lstm_bias").floats()).containsExactly(
          0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
  }

  @Test
  void everyRecurrentWeightPrunesToItsExactTargetAndStripKeepsOutputs() {
    ModelSpec spec = Sequential.of(Input.of(12),
        Embedding.of(40, 8),
        Bidirectional.of(LSTM.of(6).returnSequences(true)),
        GRU.of(5).returnSequences(true),
        SimpleRNN.of(4),
        Dense.of(2)).prunedWith(PruningSpec.of(ConstantSparsity.of(0.6, 0, -1, 2)));
    assertThat(spec.prunedWeights().keySet()).containsExactly("embedding_embeddings",
        "bidirectional_forward_kernel", "bidirectional_forward_recurrent_kernel", "bidirectional_backward_kernel",
        "bidirectional_backward_recurrent_kernel", "gru_kernel", "gru_recurrent_kernel", "simple_rnn_kernel",
        "simple_rnn_recurrent_kernel", "dense_kernel");
    HostArray x = tokens(1, 64, 12, 40);
    HostArray y = HostArray.of(new float[128], 64, 2);
    try (Model m = spec.compile(MSE)) {
      m.fit(x, y, Fit.ofEpochs(1).batchSize(16).progress(ProgressSink.silent()));
      Map<String, HostArray> weights = m.weights();
      TestData.assertExactSparsity(m, 0.6f);
      // Bias stays dense.
      assertThat(dev.topiary.ops.Measurements.sparsity(weights.get("gru_bias").floats())).isLessThan(0.1);
      HostArray before = m.predict(x);
      try (Model stripped = m.strip()) {
        assertThat(stripped.predict(x).floats()).containsExactly(before.floats());
      }
    }
    // The definition round-trips through its config.
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(ModelConfig.toJson(spec), "rnn.json")))
        .isEqualTo(ModelConfig.toJson(spec));
  }

  @Test
  void globalPoolingOverSteps() {
    HostArray x = HostArray.of(new float[] {1, 2, 3, 4, 5, 0}, 1, 3, 2);
    try (Model avg = Sequential.of(Input.of(3, 2), GlobalAveragePooling1D.of()).compile(MSE);
        Model max = Sequential.of(Input.of(3, 2), GlobalMaxPooling1D.of()).compile(MSE)) {
      assertThat(avg.predict(x).floats()).containsExactly(3, 2);
      assertThat(max.predict(x).floats()).containsExactly(5, 4);
    }
  }

  @Test
  void wrongRanksAreClearErrors() {
    assertThatThrownBy(() -> Sequential.of(Input.of(10), LSTM.of(4)))
        .isInstanceOf(LayerShapeException.class)
        .hasMessage("a LSTM layer expects input of shape (batch, steps, features) with known steps and features,"
            + " got (None, 10)");
    assertThatThrownBy(() -> Sequential.of(Input.of(10, 3), Embedding.of(5, 2)))
        .hasMessage("a Embedding layer expects input of shape (batch, length) of token ids, got (None, 10, 3)");
    assertThatThrownBy(() -> GRU.of(0)).hasMessage("GRU units must be >= 1, got 0");
  }

  /**
   * With mask_zero, padding steps leave the state alone: a pre-padded sequence gives exactly the
   * output of the same sequence without padding.
   */
  @Test
  void maskZeroMakesPaddingInvisible() {
    float[] padded = {0, 0, 0, 5, 9, 2, 7};
    float[] bare = {5, 9, 2, 7};
    for (var recurrent : List.of(LSTM.of(4), GRU.of(4), SimpleRNN.of(4))) {
      for (boolean sequences : new boolean[] {false, true}) {
        var last = sequences ? List.<dev.topiary.dsl.layers.Layer>of(recurrent.returnSequences(true), GlobalAveragePooling1D.of())
            : List.<dev.topiary.dsl.layers.Layer>of(recurrent);
        assertSameOutput(padded, bare, last);
      }
    }
    assertSameOutput(padded, bare, List.of(Bidirectional.of(LSTM.of(3))));
    assertSameOutput(padded, bare, List.of(Bidirectional.of(GRU.of(3).returnSequences(true)), GlobalAveragePooling1D.of()));
  }

  private static void assertSameOutput(float[] padded, float[] bare, List<dev.topiary.dsl.layers.Layer> layers) {
    java.util.List<dev.topiary.dsl.layers.Layer> withPad = new java.util.ArrayList<>();
    withPad.add(Embedding.of(12, 5).maskZero(true));
    withPad.addAll(layers);
    ModelSpec long7 = Sequential.of(Input.of(padded.length), withPad);
    ModelSpec short4 = Sequential.of(Input.of(bare.length), withPad);
    try (Model a = long7.compile(MSE); Model b = short4.compile(MSE)) {
      b.setWeights(a.weights());
      float[] ya = a.predict(HostArray.of(padded, 1, padded.length)).floats();
      float[] yb = b.predict(HostArray.of(bare, 1, bare.length)).floats();
      assertThat(ya).as(layers.toString()).containsExactly(yb, within(1e-6f));
    }
  }

  /** return_state: further outputs of one layer call, usable anywhere in a functional model. */
  @Test
  void returnStateGivesTheFinalStatesAsFurtherOutputs() {
    Node tokens = Input.of(6);
    Node embedded = Embedding.of(20, 4).apply(tokens);
    Node lstm = LSTM.of(3).returnSequences(true).returnState(true).prunable(ConstantSparsity.of(0.5, 0)).apply(embedded);
    Node h = lstm.output(1);
    Node c = lstm.output(2);
    assertThat(h.shape().asArray()).containsExactly(-1, 3);
    assertThat(c.shape().asArray()).containsExactly(-1, 3);
    assertThatThrownBy(() -> lstm.output(3)).hasMessageContaining("has 3 output(s), asked for output 3");
    ModelSpec spec = Functional.of(List.of(tokens), List.of(lstm, h, c));
    assertThat(spec.layerNames()).containsExactly("embedding", "lstm");
    HostArray x = tokens(5, 3, 6, 20);
    try (Model m = spec.compile(MSE)) {
      List<HostArray> out = m.predict(List.of(x), 8);
      float[] sequence = out.get(0).floats();
      float[] last = out.get(1).floats();
      for (int b = 0; b < 3; b++) {
        for (int u = 0; u < 3; u++) {
          assertThat(last[b * 3 + u]).isEqualTo(sequence[(b * 6 + 5) * 3 + u]);
        }
      }
      assertThat(out.get(2).shape()).containsExactly(3, 3);
    }
    // A GRU's state feeds a Dense head; the definition round-trips through its config.
    Node gru = GRU.of(4).returnState(true).apply(embedded);
    ModelSpec head = Functional.of(tokens, Dense.of(2).apply(gru.output(1)));
    try (Model m = head.compile(MSE)) {
      m.fit(x, TestData.gaussian(1, 3, 2), Fit.ofEpochs(1).progress(ProgressSink.silent()));
      assertThat(m.predict(x).shape()).containsExactly(3, 2);
    }
    String json = ModelConfig.toJson(spec);
    assertThat(json).contains("\"output_of\"", "\"return_state\": true");
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(json, "state.json"))).isEqualTo(json);
  }
}
