package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.recurrent.TimeDistributed;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttentionLayersTest {
  private static final Compile MSE = Compile.of(Optimizer.adam(0.01f), Loss.meanSquaredError()).seed(6);

  static ModelSpec crossAttention() {
    Node query = Input.named("query", 4, 6);
    Node value = Input.named("value", 5, 3);
    Node attended = MultiHeadAttention.of(2, 3).prunable(ConstantSparsity.of(0.5, 0, -1, 2)).apply(query, value);
    Node self = MultiHeadAttention.of(1, 4).apply(attended);
    Node perStep = TimeDistributed.of(Dense.of(2, Activation.TANH).prunable(ConstantSparsity.of(0.5, 0, -1, 2))).apply(self);
    return Functional.of(List.of(query, value), List.of(Dense.of(1).apply(Flatten.of().apply(perStep))));
  }

  @Test
  void attentionProjectionsAndTimeDistributedKernelsPruneExactly() {
    ModelSpec spec = crossAttention();
    assertThat(spec.outputs().get(0).shape().asArray()).containsExactly(-1, 1);
    assertThat(spec.prunedWeights().keySet()).containsExactly("multi_head_attention_query_kernel",
        "multi_head_attention_key_kernel", "multi_head_attention_value_kernel", "multi_head_attention_output_kernel",
        "time_distributed_kernel");
    HostArray q = TestData.gaussian(1, 32, 4, 6);
    HostArray v = TestData.gaussian(2, 32, 5, 3);
    HostArray y = TestData.gaussian(3, 32);
    try (Model m = spec.compile(MSE)) {
      m.fit(List.of(q, v), List.of(y), Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent()));
      TestData.assertExactSparsity(m, 0.5f);
      float[] before = m.predict(List.of(q, v), 8).get(0).floats();
      try (Model stripped = m.strip()) {
        assertThat(stripped.predict(List.of(q, v), 8).get(0).floats()).containsExactly(before);
      }
    }
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(ModelConfig.toJson(spec), "mha.json")))
        .isEqualTo(ModelConfig.toJson(spec));
  }

  @Test
  void mismatchedAttentionInputsAreClearErrors() {
    Node q = Input.of(4, 6);
    Node v = Input.of(5, 3);
    Node k = Input.of(6, 3);
    assertThatThrownBy(() -> MultiHeadAttention.of(2, 3).named("mha").apply(q, v, k))
        .isInstanceOf(LayerShapeException.class)
        .hasMessage("layer 'mha' (MultiHeadAttention) needs key and value of the same length, got key (None, 6, 3)"
            + " and value (None, 5, 3)");
    assertThatThrownBy(() -> MultiHeadAttention.of(2, 3).apply(Input.of(6))).hasMessageContaining("expects (batch, steps, features)");
    assertThatThrownBy(() -> MultiHeadAttention.of(0, 3)).hasMessage("MultiHeadAttention needs heads >= 1 and keyDim >= 1, got 0, 3");
  }
}
