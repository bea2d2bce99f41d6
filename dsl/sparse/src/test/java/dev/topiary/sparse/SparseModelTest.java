package dev.topiary.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.layers.pooling.MaxPooling1D;
import dev.topiary.dsl.layers.convolution.Conv1D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.GroupedConv2D;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.recurrent.SimpleRNN;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.layers.reshaping.RepeatVector;
import dev.topiary.sparse.TfModels.Zeros;
import dev.topiary.sparse.kernel.KernelPath;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Sparse models against the same models run by TF: every supported layer, every format, both kernel paths. */
class SparseModelTest {
  private static final float TOL = 1e-5f;

  static ModelSpec mlp() {
    return Sequential.of(Input.of(37), Dense.of(29, Activation.RELU), Dropout.of(0.3), Dense.of(18, Activation.TANH),
        ActivationLayer.of(Activation.SWISH), Dense.of(13, Activation.SOFTMAX));
  }

  static ModelSpec recurrent() {
    return Sequential.of(Input.of(9), Embedding.of(50, 6).maskZero(true), LSTM.of(11).returnSequences(true),
        GRU.of(7).returnSequences(true).goBackwards(true), SimpleRNN.of(5), Dense.of(3, Activation.SIGMOID));
  }

  static ModelSpec unmaskedRecurrent() {
    return Sequential.of(Input.of(6, 5), SimpleRNN.of(9).returnSequences(true), Dense.of(6), GRU.of(10),
        Dense.of(2));
  }

  static ModelSpec cnn() {
    return Sequential.of(Input.of(11, 13), Reshape.of(11, 13, 1),
        Conv2D.of(6, 3).padding(Padding.SAME).strides(2).activation(Activation.RELU), MaxPooling2D.of(2).padding(Padding.SAME),
        Conv2D.of(5, 2).dilation(1), AveragePooling2D.of(1), Flatten.of(), Dense.of(4));
  }

  static ModelSpec cnnValid() {
    return Sequential.of(Input.of(12, 10, 3), Conv2D.of(8, 3, 2).activation(Activation.ELU),
        AveragePooling2D.of(2).padding(Padding.SAME), Conv2D.of(4, 2).dilation(2), MaxPooling2D.of(2), Flatten.of(),
        Dense.of(5, Activation.SOFTPLUS));
  }

  /**
   * A MobileNet/Xception/Inception-style block: depthwise convolution (multiplier 2, stride 2, SAME,
   * relu6), then a separable convolution and a 1x1 convolution side by side, joined by Concatenate; a
   * depthwise convolution without bias (VALID) and global pooling.
   */
  static ModelSpec separable() {
    Node x = Input.of(9, 9, 4);
    Node dw = DepthwiseConv2D.of(3).depthMultiplier(2).strides(2).padding(Padding.SAME)
        .activation(Activation.RELU6).apply(x);
    Node a = SeparableConv2D.of(6, 3).padding(Padding.SAME).activation(Activation.RELU).apply(dw);
    Node b = Conv2D.of(3, 1).apply(dw);
    Node joined = Concatenate.of().apply(a, b);
    Node tail = DepthwiseConv2D.of(2).useBias(false).apply(joined);
    Node sep = SeparableConv2D.of(5, 2).useBias(false).strides(2).apply(tail);
    return Functional.of(x, Dense.of(3).apply(GlobalAveragePooling2D.of().apply(sep)));
  }

  /** Cross-attention (query, value), self-attention, and query/value/key with odd sizes, then a Dense per step. */
  static ModelSpec attention() {
    Node query = Input.named("query", 5, 7);
    Node value = Input.named("value", 3, 6);
    Node key = Input.named("key", 3, 9);
    Node cross = MultiHeadAttention.of(3, 5).apply(query, value);
    Node self = MultiHeadAttention.of(1, 4).apply(cross);
    Node all = MultiHeadAttention.of(2, 3).apply(self, value, key);
    return Functional.of(List.of(query, value, key), List.of(Dense.of(4, Activation.TANH).apply(all)));
  }

  /** Every format for every kernel (2:4 on 2:4 weights), and the automatic choice, on both paths. */
  private static void matchesTf(ModelSpec spec, HostArray x) {
    matchesTf(spec, List.of(x));
  }

  private static void matchesTf(ModelSpec spec, List<HostArray> xs) {
    List<HostArray> first = xs.stream().map(x -> x.slice(0, 1)).toList();
    for (Zeros zeros : new Zeros[] {Zeros.RANDOM, Zeros.BLOCKS_1X4, Zeros.TWO_FOUR}) {
      try (Model tf = TfModels.build(spec, zeros, 0.8, 7)) {
        HostArray expected = tf.predict(xs, 128).get(0);
        for (Format f : Format.values()) {
          if (f == Format.TWO_FOUR && zeros != Zeros.TWO_FOUR) {
            continue;
          }
          SparseOptions o = forAll(spec, SparseOptions.defaults(), f);
          for (KernelPath path : new KernelPath[] {KernelPath.SCALAR, KernelPath.AUTO}) {
            try (SparseModel sparse = SparseModel.of(tf, o.kernels(path).threads(2))) {
              float tol = f == Format.CSR_INT8 ? 0.05f : TOL;
              assertClose(sparse.predict(xs, 128).get(0), expected, tol, f + " " + path + " " + zeros);
              assertClose(sparse.predict(first, 1).get(0), expected.slice(0, 1), tol, f + " batch 1");
            }
          }
        }
        try (SparseModel auto = SparseModel.of(tf, SparseOptions.defaults().calibrationBatches(1, 4))) {
          assertClose(auto.predict(xs, 128).get(0), expected, TOL, "calibrated " + auto.plan());
          assertThat(auto.plan()).allMatch(p -> p.reason().startsWith("calibrated") || p.reason().equals("channel-major planes"));
        }
        try (SparseModel heuristic = SparseModel.of(tf, SparseOptions.defaults().calibrate(false))) {
          assertClose(heuristic.predict(xs, 128).get(0), expected, TOL, "heuristic");
        }
      }
    }
  }

  static SparseOptions forAll(ModelSpec spec, SparseOptions o, Format f) {
    for (Layer l : spec.layers()) {
      o = o.format(spec.layerName(l), f);
    }
    return o;
  }

  static void assertClose(HostArray actual, HostArray expected, float tol, String what) {
    assertThat(actual.shape()).as(what).containsExactly(expected.shape());
    float[] a = actual.floats();
    float[] e = expected.floats();
    for (int i = 0; i < a.length; i++) {
      assertThat(a[i]).as("%s at %d", what, i).isCloseTo(e[i], Offset.offset(tol));
    }
  }

  @Test
  void denseLayersMatchTf() {
    matchesTf(mlp(), TfModels.randomInput(1, 5, 37));
  }

  @Test
  void recurrentLayersWithMasksAndDirectionsMatchTf() {
    // shares of 3 (2 threads): one example after the other on the vector path, transposed on the scalar one
    matchesTf(recurrent(), TfModels.randomIds(2, 6, 9, 50));
    matchesTf(unmaskedRecurrent(), TfModels.randomInput(3, 3, 6, 5));
    // shares of 12 and 13: transposed on both (examples along the lanes, padding lanes at 512 bits)
    matchesTf(recurrent(), TfModels.randomIds(9, 25, 9, 50));
    matchesTf(unmaskedRecurrent(), TfModels.randomInput(10, 25, 6, 5));
  }

  @Test
  void globalPoolingOverStepsMatchesTfWithAndWithoutAMask() {
    // Masked: after a mask_zero Embedding the mean counts only the real steps (randomIds gives some id 0s), the
    // max every step (Keras 3); one sequence of only padding checks the mean's count of at least 1.
    Node ids = Input.of(7);
    Node e = Embedding.of(20, 4).maskZero(true).apply(ids);
    ModelSpec masked = Functional.of(List.of(ids), List.of(Concatenate.of().apply(
        GlobalAveragePooling1D.of().apply(e), GlobalMaxPooling1D.of().apply(e))));
    float[] v = TfModels.randomIds(5, 6, 7, 20).floats().clone();
    java.util.Arrays.fill(v, 0, 7, 0f);
    matchesTf(masked, HostArray.of(v, 6, 7));
    // Unmasked, with keepdims, after attention-shaped Dense layers on rank 3 (a ViT's head).
    Node x = Input.of(5, 6);
    Node h = Dense.of(4, Activation.GELU).apply(x);
    ModelSpec plain = Functional.of(List.of(x), List.of(Flatten.of().apply(Concatenate.of().apply(
        GlobalAveragePooling1D.of().keepDims(true).apply(h), GlobalMaxPooling1D.of().keepDims(true).apply(h)))));
    matchesTf(plain, TfModels.randomInput(3, 4, 5, 6));
  }

  @Test
  void longRecurrencesRunInChunksOfStepsAndSharesOfTheBatch() {
    // 40 examples x 256 gates: the input projection runs in chunks of 3 steps (6 per share of 2 threads)
    ModelSpec spec = Sequential.of(Input.of(7), Embedding.of(30, 5).maskZero(true),
        LSTM.of(64).returnSequences(true).goBackwards(true), LSTM.of(3));
    matchesTf(spec, TfModels.randomIds(12, 40, 7, 30));
  }

  @Test
  void multiHeadAttentionMatchesTf() {
    matchesTf(attention(), List.of(TfModels.randomInput(6, 4, 5, 7), TfModels.randomInput(7, 4, 3, 6),
        TfModels.randomInput(8, 4, 3, 9)));
  }

  @Test
  void depthwiseSeparableAndConcatenatedBranchesMatchTf() {
    matchesTf(separable(), TfModels.randomInput(9, 3, 9, 9, 4));
  }

  @Test
  void aGroupedConvolutionWithOneChannelPerGroupRunsAsADepthwiseOneAndMatchesTf() {
    // ConvNeXt's 7x7 (groups = channels), with a multiplier of 2 and then 1.
    ModelSpec spec = Sequential.of(Input.of(9, 9, 4), GroupedConv2D.of(8, 4, 3, 3).strides(2).padding(Padding.SAME)
        .activation(Activation.RELU), GroupedConv2D.of(8, 8, 3, 3).useBias(false), Flatten.of(), Dense.of(3));
    matchesTf(spec, TfModels.randomInput(5, 3, 9, 9, 4));
  }

  @Test
  void otherGroupingsAreRefusedNamingTheLayer() {
    ModelSpec spec = Sequential.of(Input.of(6, 6, 4), GroupedConv2D.of(8, 2, 3, 3).named("grouped"), Flatten.of());
    try (Model tf = TfModels.build(spec, Zeros.RANDOM, 0.5, 3)) {
      assertThatThrownBy(() -> SparseModel.of(tf, SparseOptions.defaults().calibrate(false)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'grouped'")
          .hasMessageContaining("2 groups over 4 channels");
    }
  }

  @Test
  void convolutionsAndPoolingMatchTf() {
    matchesTf(cnn(), TfModels.randomInput(4, 3, 11, 13));
    matchesTf(cnnValid(), TfModels.randomInput(5, 2, 12, 10, 3));
  }

  @Test
  void allZeroKernelsGiveTheBiases() {
    try (Model tf = TfModels.build(mlp(), Zeros.ALL, 1, 3);
        SparseModel sparse = SparseModel.of(tf, SparseOptions.defaults().calibrate(false))) {
      HostArray x = TfModels.randomInput(9, 4, 37);
      assertClose(sparse.predict(x), tf.predict(x), TOL, "all zeros");
      assertThat(sparse.plan()).allMatch(p -> p.sparsity() == 1.0);
    }
  }

  @Test
  void weightsRoundTripThroughTpswInEveryFormat() {
    ModelSpec spec = cnn();
    HostArray x = TfModels.randomInput(4, 3, 11, 13);
    try (Model tf = TfModels.build(spec, Zeros.TWO_FOUR, 0.5, 11)) {
      for (Format f : Format.values()) {
        try (SparseModel sparse = SparseModel.of(tf, forAll(spec, SparseOptions.defaults(), f))) {
          Map<String, HostArray> stored = sparse.weights();
          if (f != Format.CSR_INT8) {
            assertThat(stored).as("%s keeps the weights exactly", f).isEqualTo(tf.weights());
          }
          byte[] file = SparseWeights.encode(stored, SparseWeights.Encoding.FLOAT32);
          Map<String, HostArray> read = SparseWeights.decode(file, "memory");
          assertThat(read).isEqualTo(stored);
          try (SparseModel again = SparseModel.of(spec, read, forAll(spec, SparseOptions.defaults(), f))) {
            assertThat(again.predict(x)).as(f.toString()).isEqualTo(sparse.predict(x));
            assertThat(again.weightBytes()).isEqualTo(sparse.weightBytes());
          }
        }
      }
    }
  }

  @Test
  void prunedEmbeddingsAreStoredCompressedAndRoundTrip() {
    try (Model tf = TfModels.build(recurrent(), Zeros.RANDOM, 0.9, 5);
        SparseModel sparse = SparseModel.of(tf, SparseOptions.defaults().calibrate(false))) {
      assertThat(sparse.weights()).isEqualTo(tf.weights());
      long denseBytes = tf.weights().values().stream().mapToLong(w -> 4L * w.floats().length).sum();
      // 90 % zeros everywhere: the held bytes shrink (16-bit columns in the table, CSR by the rule of thumb)
      assertThat(sparse.weightBytes()).isLessThan(denseBytes / 2);
      HostArray x = TfModels.randomIds(8, 4, 9, 50);
      assertClose(sparse.predict(x), tf.predict(x), TOL, "compressed embeddings");
    }
  }

  @Test
  void unsupportedLayersAreListedByName() {
    // (BatchNormalization and LayerNormalization, unsupported once, now run through their primitives.)
    // (RepeatVector and Permute, the examples here once, now run through their primitives too.)
    ModelSpec spec = Sequential.of(Input.of(8), Dense.of(4), RepeatVector.of(6), Conv1D.of(3, 2).named("c1"),
        MaxPooling1D.of(2).named("pool"), Flatten.of(), Dense.of(2));
    try (Model tf = spec.compile(TfModels.MSE)) {
      assertThatThrownBy(() -> SparseModel.of(tf)).isInstanceOf(UnsupportedLayersException.class)
          .hasMessageContaining("2 layer(s): 'c1' (Conv1D), 'pool' (MaxPooling1D)")
          .hasMessageContaining("LoweredLayer")
          .hasMessageContaining("Supported: ActivationLayer")
          .satisfies(e -> assertThat(((UnsupportedLayersException) e).layers()).hasSize(2));
    }
  }

  @Test
  void badInputsAndWeightsAreNamed() {
    try (Model tf = TfModels.build(recurrent(), Zeros.RANDOM, 0.5, 1); SparseModel sparse = SparseModel.of(tf)) {
      assertThatThrownBy(() -> sparse.predict(HostArray.of(new float[] {60, 0, 0, 0, 0, 0, 0, 0, 0}, 1, 9)))
          .hasMessageContaining("Embedding 'embedding': id 60.0 at position 0 is outside [0, 50)");
      assertThatThrownBy(() -> sparse.predict(HostArray.of(new float[8], 1, 8)))
          .hasMessageContaining("takes float examples of shape (None, 9)");
      Map<String, HostArray> w = new java.util.LinkedHashMap<>(tf.weights());
      w.remove("lstm_recurrent_kernel");
      assertThatThrownBy(() -> SparseModel.of(recurrent(), w, SparseOptions.defaults()))
          .hasMessageContaining("weight 'lstm_recurrent_kernel' of layer 'lstm' is missing");
    }
    try (Model tf = TfModels.build(mlp(), Zeros.RANDOM, 0.5, 1)) {
      assertThatThrownBy(() -> SparseModel.of(tf, SparseOptions.defaults().format("dense", Format.TWO_FOUR)))
          .hasMessageContaining("weight 'dense_kernel' does not fit 2:4");
    }
  }
}
