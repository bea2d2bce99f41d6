package dev.topiary.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Multiply;
import dev.topiary.dsl.layers.normalization.LayerNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A mask_zero Embedding's mask in SparseModel: followed as TF follows it, or refused by layer name. */
class SparseMaskTest {

  /** Dense passes the mask (Keras 3), so the pooling after it averages the real steps only, as TF does. */
  @Test
  void denseCarriesTheMaskToThePooling() {
    Node ids = Input.of(7);
    Node h = Dense.of(3).apply(Dense.of(5).apply(Embedding.of(20, 4).maskZero(true).apply(ids)));
    ModelSpec spec = Functional.of(ids, GlobalAveragePooling1D.of().apply(h));
    HostArray x = HostArray.of(new float[] {3, 9, 1, 0, 0, 0, 0, 0, 0, 4, 4, 17, 2, 5}, 2, 7);
    try (Model tf = TfModels.build(spec, TfModels.Zeros.RANDOM, 0.5, 3); SparseModel sparse = SparseModel.of(tf)) {
      float[] expected = tf.predict(x).floats();
      assertThat(sparse.predict(List.of(x), 8).get(0).floats()).containsExactly(expected, within(1e-5f));
    }
  }

  /** A text transformer block: masked attention, the residual Add's mask, normalization, masked pooling. */
  @Test
  void aMaskedTransformerBlockMatchesTf() {
    Node ids = Input.of(7);
    Node e = Embedding.of(20, 6).maskZero(true).apply(ids);
    Node q = Dense.of(6).apply(e);
    Node a = MultiHeadAttention.of(2, 3).apply(q, q);
    Node n = LayerNormalization.of().apply(Add.of().apply(Dense.of(6).apply(e), a));
    ModelSpec spec = Functional.of(ids, GlobalAveragePooling1D.of().apply(n));
    // pre-, post- and un-padded, and a sequence of only padding (uniform attention, mean of nothing)
    HostArray x = HostArray.of(new float[] {0, 0, 3, 9, 1, 4, 2, 5, 6, 7, 0, 0, 0, 0, 11, 12, 13, 14, 15, 16, 17,
        0, 0, 0, 0, 0, 0, 0}, 4, 7);
    try (Model tf = TfModels.build(spec, TfModels.Zeros.RANDOM, 0.5, 5); SparseModel sparse = SparseModel.of(tf)) {
      float[] expected = tf.predict(x).floats();
      assertThat(sparse.predict(List.of(x), 8).get(0).floats()).containsExactly(expected, within(1e-5f));
    }
  }

  /** Causal self- and cross-attention (5 query steps, 7 value steps), as TF. */
  @Test
  void causalAttentionMatchesTf() {
    Node x = Input.of(5, 6);
    Node memory = Input.of(7, 6);
    Node self = MultiHeadAttention.of(2, 3).causal(true).apply(x, x);
    Node cross = MultiHeadAttention.of(1, 4).causal(true).apply(self, memory);
    ModelSpec spec = Functional.of(List.of(x, memory), List.of(cross));
    List<HostArray> in = List.of(TfModels.randomInput(3, 2, 5, 6), TfModels.randomInput(4, 2, 7, 6));
    try (Model tf = TfModels.build(spec, TfModels.Zeros.RANDOM, 0.5, 5); SparseModel sparse = SparseModel.of(tf)) {
      float[] expected = tf.predict(in, 8).get(0).floats();
      assertThat(sparse.predict(in, 8).get(0).floats()).containsExactly(expected, within(1e-5f));
    }
  }

  /** Multiply changes padded values in TF (Keras 3); SparseModel's does not, so it refuses instead of differing. */
  @Test
  void aMaskReachingMultiplyIsRefusedByName() {
    Node ids = Input.of(6);
    Node e = Embedding.of(20, 4).maskZero(true).apply(ids);
    Node m = Multiply.of().named("gate").apply(e, Dense.of(4).apply(e));
    ModelSpec spec = Functional.of(ids, GlobalAveragePooling1D.of().apply(m));
    HostArray x = HostArray.of(new float[] {3, 9, 1, 0, 0, 0}, 1, 6);
    try (Model tf = TfModels.build(spec, TfModels.Zeros.RANDOM, 0.5, 3); SparseModel sparse = SparseModel.of(tf)) {
      assertThatThrownBy(() -> sparse.predict(List.of(x), 8))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("'gate' (Multiply) gets a mask");
    }
  }
}
