package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.attention.Attention;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.normalization.LayerNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's mask rules after a {@code mask_zero} Embedding (the Keras fixture {@code l_masks} checks them
 * against Keras itself): padding is invisible to what reads the mask, through Dense, attention, merges and
 * normalization; GlobalMaxPooling1D does not read it; BatchNormalization trains on the real steps only.
 */
class MaskRulesTest {
  private static final Compile MSE = Compile.of(Optimizer.sgd(0.01f), Loss.meanSquaredError()).seed(3);
  private static final float[] PADDED = {0, 0, 0, 5, 9, 2, 7};
  private static final float[] BARE = {5, 9, 2, 7};

  /** Post-padded and pre-padded: padding anywhere must not change what the mask hides it from. */
  private static final float[] POST_PADDED = {5, 9, 2, 7, 0, 0};

  private static Node block(Node ids) {
    Node e = Embedding.of(12, 6).maskZero(true).apply(ids);
    Node q = Dense.of(6).apply(e);
    Node a = MultiHeadAttention.of(2, 3).apply(q, q);
    Node n = LayerNormalization.of().apply(Add.of().apply(Dense.of(6).apply(e), a));
    Node luong = Attention.of().apply(n, q);
    return GlobalAveragePooling1D.of().apply(Add.of().apply(n, luong));
  }

  @Test
  void paddingIsInvisibleThroughAttentionMergesAndNormalization() {
    Function<Integer, ModelSpec> spec = steps -> {
      Node ids = Input.of(steps);
      return Functional.of(ids, block(ids));
    };
    try (Model bare = spec.apply(BARE.length).compile(MSE); Model pre = spec.apply(PADDED.length).compile(MSE);
        Model post = spec.apply(POST_PADDED.length).compile(MSE)) {
      pre.setWeights(bare.weights());
      post.setWeights(bare.weights());
      float[] expected = bare.predict(HostArray.of(BARE, 1, BARE.length)).floats();
      assertThat(pre.predict(HostArray.of(PADDED, 1, PADDED.length)).floats()).containsExactly(expected, within(1e-5f));
      assertThat(post.predict(HostArray.of(POST_PADDED, 1, POST_PADDED.length)).floats())
          .containsExactly(expected, within(1e-5f));
    }
  }

  /** Causal attention: changing step 4 of the input changes no output before step 4. */
  @Test
  void causalAttentionNeverLooksAhead() {
    Node x = Input.of(5, 3);
    ModelSpec spec = Functional.of(x, MultiHeadAttention.of(2, 2).causal(true).apply(x, x));
    float[] a = new float[15];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) Math.sin(i + 1);
    }
    float[] b = a.clone();
    b[12] += 3; // step 4, feature 0
    try (Model m = spec.compile(MSE)) {
      float[] ya = m.predict(HostArray.of(a, 1, 5, 3)).floats();
      float[] yb = m.predict(HostArray.of(b, 1, 5, 3)).floats();
      assertThat(java.util.Arrays.copyOf(yb, 12)).containsExactly(java.util.Arrays.copyOf(ya, 12), within(1e-6f));
      assertThat(yb[12]).isNotCloseTo(ya[12], within(1e-4f));
    }
  }

  @Test
  void globalMaxPooling1DReadsEveryStepAsKeras3Does() {
    ModelSpec spec = Sequential.of(Input.of(3), Embedding.of(4, 2).maskZero(true), GlobalMaxPooling1D.of());
    try (Model m = spec.compile(MSE)) {
      Map<String, HostArray> w = new HashMap<>(m.weights());
      String table = w.keySet().stream().filter(k -> k.endsWith("embeddings")).findFirst().orElseThrow();
      // row 0 (the padding id) is the largest: Keras 3 keeps it in the max
      w.put(table, HostArray.of(new float[] {9, 8, 1, 2, 3, 1, 2, 4}, 4, 2));
      m.setWeights(w);
      assertThat(m.predict(HostArray.of(new float[] {1, 2, 0}, 1, 3)).floats()).containsExactly(9, 8);
    }
  }

  /**
   * Training on masked steps, BatchNormalization's batch mean is the mean of the real steps only (Keras 3's
   * masked moments): with moving mean 0 and momentum 0.5 one step leaves half of it.
   */
  @Test
  void batchNormalizationTrainsOnRealStepsOnly() {
    List<Layer> layers = List.of(Embedding.of(4, 2).maskZero(true), BatchNormalization.of().momentum(0.5f),
        GlobalAveragePooling1D.of());
    try (Model m = Sequential.of(Input.of(3), layers).compile(MSE)) {
      Map<String, HostArray> w = new HashMap<>(m.weights());
      String table = w.keySet().stream().filter(k -> k.endsWith("embeddings")).findFirst().orElseThrow();
      String mean = w.keySet().stream().filter(k -> k.endsWith("moving_mean")).findFirst().orElseThrow();
      w.put(table, HostArray.of(new float[] {100, -100, 1, 2, 3, 6, 5, 10}, 4, 2));
      m.setWeights(w);
      // ids [1, 2, 0] and [3, 0, 0]: real rows (1, 2), (3, 6), (5, 10); the padding row (100, -100) twice more
      HostArray x = HostArray.of(new float[] {1, 2, 0, 3, 0, 0}, 2, 3);
      m.fit(x, HostArray.of(new float[4], 2, 2), Fit.ofEpochs(1).batchSize(2).shuffle(false).progress(ProgressSink.silent()));
      float[] real = {(1 + 3 + 5) / 3f, (2 + 6 + 10) / 3f};
      assertThat(m.weights().get(mean).floats()).containsExactly(new float[] {0.5f * real[0], 0.5f * real[1]},
          within(1e-4f));
    }
  }
}
