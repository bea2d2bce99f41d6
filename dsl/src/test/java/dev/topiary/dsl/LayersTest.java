package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Layer;
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
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Forward shapes and values of every layer, checked against plain-Java computations. */
class LayersTest {
  private static final Compile MSE = Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()).seed(1);

  /** Runs {@code layer} alone on {@code x} (inference) after loading {@code weights}. */
  private static HostArray forward(Layer layer, HostArray x, Map<String, HostArray> weights) {
    ModelSpec spec = Sequential.of(Input.of(x.exampleShape()), layer);
    try (Model m = spec.compile(MSE)) {
      if (!weights.isEmpty()) {
        m.setWeights(weights);
      }
      HostArray y = m.predict(x);
      long[] expected = spec.outputs().get(0).shape().asArray();
      expected[0] = x.examples();
      assertThat(y.shape()).as("%s output shape", layer.typeName()).containsExactly(expected);
      return y;
    }
  }

  private static Map<String, HostArray> weightsOf(Layer layer, long... inputShape) {
    try (Model m = Sequential.of(Input.of(inputShape), layer).compile(MSE)) {
      return m.weights();
    }
  }

  @Test
  void denseIsAMatmulPlusBiasThroughTheActivation() {
    HostArray x = HostArray.of(new float[] {1, 2, 3, -1, 0, 1}, 2, 3);
    Map<String, HostArray> w = Map.of(
        "dense_kernel", HostArray.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2),
        "dense_bias", HostArray.of(new float[] {0.5f, -10}, 2));
    assertThat(forward(Dense.of(2, Activation.RELU), x, w).floats()).containsExactly(4.5f, 0, 0.5f, 0);
    // On rank-3 input Dense applies to the last axis.
    HostArray x3 = HostArray.of(new float[] {1, 2, 3, -1, 0, 1}, 1, 2, 3);
    assertThat(forward(Dense.of(2), x3, w).floats()).containsExactly(4.5f, -5, 0.5f, -9);
    assertThat(weightsOf(Dense.of(2).useBias(false), 3)).containsOnlyKeys("dense_kernel");
  }

  @Test
  void denseKernelsStartGlorotUniformAndBiasesZero() {
    Map<String, HostArray> w = weightsOf(Dense.of(300), 200);
    double limit = Math.sqrt(6.0 / (200 + 300));
    float[] k = w.get("dense_kernel").floats();
    double max = 0;
    double sum = 0;
    for (float v : k) {
      max = Math.max(max, Math.abs(v));
      sum += v;
    }
    assertThat(max).isLessThanOrEqualTo(limit).isGreaterThan(limit * 0.99);
    assertThat(sum / k.length).isCloseTo(0, within(0.01));
    assertThat(w.get("dense_bias").floats()).containsOnly(0f);
  }

  @Test
  void conv2dMatchesADirectConvolution() {
    HostArray x = TestData.gaussian(1, 2, 5, 6, 3);
    Map<String, HostArray> w = weightsOf(Conv2D.of(4, 3, 2).strides(2, 1).padding(Padding.VALID), 5, 6, 3);
    HostArray y = forward(Conv2D.of(4, 3, 2).strides(2, 1), x, w);
    assertThat(y.shape()).containsExactly(2, 2, 5, 4);
    float[] in = x.floats();
    float[] k = w.get("conv2d_kernel").floats();
    float[] out = y.floats();
    for (int b = 0; b < 2; b++) {
      for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 5; j++) {
          for (int f = 0; f < 4; f++) {
            double s = 0;
            for (int di = 0; di < 3; di++) {
              for (int dj = 0; dj < 2; dj++) {
                for (int c = 0; c < 3; c++) {
                  s += in[((b * 5 + i * 2 + di) * 6 + j + dj) * 3 + c] * k[((di * 2 + dj) * 3 + c) * 4 + f];
                }
              }
            }
            assertThat(out[((b * 2 + i) * 5 + j) * 4 + f]).isCloseTo((float) s, within(1e-4f));
          }
        }
      }
    }
    // `same` padding keeps ceil(in / stride); dilation widens the window.
    assertThat(forward(Conv2D.of(2, 3).padding(Padding.SAME).strides(2), x, Map.of()).shape()).containsExactly(2, 3, 3, 2);
    assertThat(forward(Conv2D.of(2, 2).dilation(2), x, Map.of()).shape()).containsExactly(2, 3, 4, 2);
  }

  @Test
  void poolingLayers() {
    HostArray x = HostArray.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 4, 4, 1);
    assertThat(forward(MaxPooling2D.of(2), x, Map.of()).floats()).containsExactly(6, 8, 14, 16);
    assertThat(forward(AveragePooling2D.of(2), x, Map.of()).floats()).containsExactly(3.5f, 5.5f, 11.5f, 13.5f);
    assertThat(forward(MaxPooling2D.of(3).strides(1, 1), x, Map.of()).floats()).containsExactly(11, 12, 15, 16);
    assertThat(forward(MaxPooling2D.of(3).padding(Padding.SAME), x, Map.of()).shape()).containsExactly(1, 2, 2, 1);
    assertThat(forward(GlobalAveragePooling2D.of(), x, Map.of()).floats()).containsExactly(8.5f);
  }

  @Test
  void shapeLayers() {
    HostArray x = HostArray.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
    assertThat(forward(Flatten.of(), x, Map.of()).shape()).containsExactly(1, 6);
    assertThat(forward(Reshape.of(3, -1), x, Map.of()).shape()).containsExactly(1, 3, 2);
    assertThat(forward(Reshape.of(6), x, Map.of()).floats()).containsExactly(1, 2, 3, 4, 5, 6);
    HostArray img = HostArray.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1);
    HostArray padded = forward(ZeroPadding2D.of(1, 0, 0, 2), img, Map.of());
    assertThat(padded.shape()).containsExactly(1, 3, 4, 1);
    assertThat(padded.floats()).containsExactly(0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0);
  }

  @Test
  void activationsFollowKerasDefinitions() {
    HostArray x = HostArray.of(new float[] {-2, 0, 1.5f}, 1, 3);
    assertThat(forward(ActivationLayer.of(Activation.RELU), x, Map.of()).floats()).containsExactly(0, 0, 1.5f);
    assertThat(forward(ActivationLayer.of(Activation.SIGMOID), x, Map.of()).floats()[1]).isEqualTo(0.5f);
    float[] softmax = forward(ActivationLayer.of(Activation.SOFTMAX), x, Map.of()).floats();
    assertThat(softmax[0] + softmax[1] + softmax[2]).isCloseTo(1f, within(1e-6f));
    assertThat(forward(ActivationLayer.of(Activation.HARD_SIGMOID), x, Map.of()).floats())
        .containsExactly(new float[] {0.1f, 0.5f, 0.8f}, within(1e-6f));
    assertThat(forward(ActivationLayer.of(Activation.GELU), x, Map.of()).floats()[2]).isCloseTo(1.3996f, within(1e-3f));
    // Keras 3's: hard_sigmoid = relu6(x + 3) / 6, hard_silu = x * that, leaky_relu slope 0.2, GELU's tanh form.
    assertThat(forward(ActivationLayer.of(Activation.HARD_SIGMOID_KERAS3), x, Map.of()).floats())
        .containsExactly(new float[] {1 / 6f, 0.5f, 0.75f}, within(1e-6f));
    assertThat(forward(ActivationLayer.of(Activation.HARD_SILU), x, Map.of()).floats())
        .containsExactly(new float[] {-1 / 3f, 0f, 1.125f}, within(1e-6f));
    assertThat(forward(ActivationLayer.of(Activation.LEAKY_RELU), x, Map.of()).floats())
        .containsExactly(new float[] {-0.4f, 0f, 1.5f}, within(1e-6f));
    assertThat(forward(ActivationLayer.of(Activation.GELU_APPROXIMATE), x, Map.of()).floats())
        .containsExactly(new float[] {-0.0454023f, 0f, 1.3995716f}, within(1e-6f));
    assertThat(Activation.parse("hard_swish")).isEqualTo(Activation.HARD_SILU);
    for (Activation a : Activation.values()) {
      float[] y = forward(ActivationLayer.of(a), x, Map.of()).floats();
      assertThat(y).as(a.kerasName()).hasSize(3).doesNotContain(Float.NaN);
      assertThat(Activation.parse(a.kerasName())).isEqualTo(a);
    }
  }

  @Test
  void dropoutIsTheIdentityAtInference() {
    HostArray x = TestData.gaussian(3, 4, 10);
    assertThat(forward(Dropout.of(0.5), x, Map.of()).floats()).containsExactly(x.floats());
  }

  @Test
  void batchNormalizationUsesMovingStatisticsAtInference() {
    HostArray x = HostArray.of(new float[] {1, 10, 3, 20}, 2, 2);
    Map<String, HostArray> w = Map.of(
        "batch_normalization_gamma", HostArray.of(new float[] {2, 1}, 2),
        "batch_normalization_beta", HostArray.of(new float[] {0, 1}, 2),
        "batch_normalization_moving_mean", HostArray.of(new float[] {2, 15}, 2),
        "batch_normalization_moving_variance", HostArray.of(new float[] {1, 25}, 2));
    float[] y = forward(BatchNormalization.of(), x, w).floats();
    double eps = 1e-3;
    assertThat(y[0]).isCloseTo((float) (2 * (1 - 2) / Math.sqrt(1 + eps)), within(1e-5f));
    assertThat(y[3]).isCloseTo((float) (1 * (20 - 15) / Math.sqrt(25 + eps) + 1), within(1e-5f));
    // On images it normalizes per channel.
    assertThat(forward(BatchNormalization.of(), TestData.gaussian(1, 2, 3, 3, 4), Map.of()).shape()).containsExactly(2, 3, 3, 4);
  }

  @Test
  void mergeLayers() {
    Node a = Input.of(3);
    Node b = Input.of(3);
    ModelSpec add = Functional.of(List.of(a, b), List.of(Add.of().apply(a, b)));
    ModelSpec concat = Functional.of(List.of(a, b), List.of(Concatenate.of().apply(a, b)));
    HostArray x1 = HostArray.of(new float[] {1, 2, 3}, 1, 3);
    HostArray x2 = HostArray.of(new float[] {10, 20, 30}, 1, 3);
    try (Model m = add.compile(MSE); Model c = concat.compile(MSE)) {
      assertThat(m.predict(List.of(x1, x2), 8).get(0).floats()).containsExactly(11, 22, 33);
      HostArray joined = c.predict(List.of(x1, x2), 8).get(0);
      assertThat(joined.shape()).containsExactly(1, 6);
      assertThat(joined.floats()).containsExactly(1, 2, 3, 10, 20, 30);
    }
  }

  /** Every Keras layer is its own class, so a policy can pick any one type (LSTM, not GRU). */
  @Test
  void pruningPolicyOnlyPicksLayersByTheirOwnClass() {
    ModelSpec spec = Sequential.of(Input.of(4, 4, 4, 2),
        dev.topiary.dsl.layers.convolution.Conv3D.of(2, 3),
        Reshape.of(8, -1),
        dev.topiary.dsl.layers.recurrent.GRU.of(3).returnSequences(true),
        dev.topiary.dsl.layers.recurrent.LSTM.of(3),
        Dense.of(2));
    PruningSpec half = PruningSpec.of(ConstantSparsity.of(0.5, 0));
    assertThat(spec.prunedWith(half, PruningPolicy.only(dev.topiary.dsl.layers.convolution.Conv3D.class)).prunedLayers())
        .containsOnlyKeys("conv3d");
    assertThat(spec.prunedWith(half, PruningPolicy.only(dev.topiary.dsl.layers.recurrent.LSTM.class)).prunedLayers())
        .containsOnlyKeys("lstm");
    assertThat(spec.prunedWith(half, PruningPolicy.only(dev.topiary.dsl.layers.recurrent.Recurrent.class)).prunedLayers())
        .containsOnlyKeys("gru", "lstm");
  }
}
