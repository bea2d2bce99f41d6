package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.attention.Attention;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keras' {@code Attention} with its scalar weights set (the Keras-made layer fixture has none: the Keras
 * weight reader does not take shape-() variables): outputs computed by Keras 3.15.1 for the same inputs
 * and weights ({@code L.Attention(use_scale=True)} with scale 0.7 on [q, v, k];
 * {@code L.Attention(use_scale=True, score_mode="concat")} with scale 0.7, concat_score_weight 1.3, on [q, v]).
 */
class LuongAttentionTest {
  private static final float[] Q = {0.5f, -1.0f, 0.25f, 1.5f, 0.2f, -0.3f};
  private static final float[] V = {0.1f, 0.2f, 0.3f, -0.4f, 0.5f, -0.6f, 0.7f, -0.8f, 0.9f};
  private static final float[] K = {1.0f, 0.0f, -1.0f, 0.3f, 0.3f, 0.3f, -0.5f, 1.0f, 0.5f};
  private static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.meanSquaredError());

  @Test
  void scaledDotScoresMatchKeras() {
    Node q = Input.named("q", 2, 3);
    Node v = Input.named("v", 3, 3);
    Node k = Input.named("k", 3, 3);
    ModelSpec spec = Functional.of(List.of(q, v, k), List.of(Attention.of().useScale(true).apply(q, v, k)));
    try (Model m = spec.compile(COMPILE)) {
      m.setWeights(Map.of("attention_scale", HostArray.ofFloats(new float[] {0.7f})));
      float[] out = m.predict(List.of(HostArray.of(Q, 1, 2, 3), HostArray.of(V, 1, 3, 3), HostArray.of(K, 1, 3, 3)), 1)
          .get(0).floats();
      assertThat(out).containsExactly(new float[] {0.022376738f, 0.13436642f, 0.07612246f, 0.04464864f, 0.16166103f,
          0.14670521f}, within(1e-5f));
    }
  }

  @Test
  void concatScoresMatchKeras() {
    Node q = Input.named("q", 2, 3);
    Node v = Input.named("v", 3, 3);
    ModelSpec spec = Functional.of(List.of(q, v),
        List.of(Attention.of().useScale(true).scoreMode(Attention.ScoreMode.CONCAT).apply(q, v)));
    try (Model m = spec.compile(COMPILE)) {
      m.setWeights(Map.of("attention_scale", HostArray.ofFloats(new float[] {0.7f}),
          "attention_concat_score_weight", HostArray.ofFloats(new float[] {1.3f})));
      float[] out = m.predict(List.of(HostArray.of(Q, 1, 2, 3), HostArray.of(V, 1, 3, 3)), 1).get(0).floats();
      assertThat(out).containsExactly(new float[] {0.33302501f, -0.26040572f, 0.479002f, 0.20145477f, -0.08436745f,
          0.31499764f}, within(1e-5f));
    }
  }

  @Test
  void refusesMismatchedShapesAndDropoutNamingThem() {
    Node q = Input.named("q", 2, 4);
    Node v = Input.named("v", 3, 3);
    assertThatThrownBy(() -> Attention.of().apply(q, v)).isInstanceOf(LayerShapeException.class)
        .hasMessageContaining("query (batch, Tq, dim)").hasMessageContaining("(None, 2, 4)");
    assertThatThrownBy(() -> Attention.TYPE.reader().apply(Settings.of("Attention").put("dropout", 0.1)))
        .hasMessageContaining("dropout=0.1");
  }
}
