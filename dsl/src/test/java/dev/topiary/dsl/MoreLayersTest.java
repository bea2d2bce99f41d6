package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.convolution.Conv1D;
import dev.topiary.dsl.layers.convolution.Conv2DTranspose;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.merging.Average;
import dev.topiary.dsl.layers.merging.Maximum;
import dev.topiary.dsl.layers.merging.Minimum;
import dev.topiary.dsl.layers.merging.Multiply;
import dev.topiary.dsl.layers.merging.Subtract;
import dev.topiary.dsl.layers.normalization.LayerNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling1D;
import dev.topiary.dsl.layers.reshaping.Cropping1D;
import dev.topiary.dsl.layers.reshaping.Cropping2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Permute;
import dev.topiary.dsl.layers.reshaping.RepeatVector;
import dev.topiary.dsl.layers.reshaping.UpSampling1D;
import dev.topiary.dsl.layers.reshaping.UpSampling2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding1D;
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

class MoreLayersTest {
  private static final Compile MSE = Compile.of(Optimizer.adam(0.01f), Loss.meanSquaredError()).seed(8);

  private static float[] run(ModelSpec spec, HostArray... x) {
    try (Model m = spec.compile(MSE)) {
      return m.predict(List.of(x), 16).get(0).floats();
    }
  }

  @Test
  void mergeLayers() {
    Node a = Input.of(3);
    Node b = Input.of(3);
    HostArray x = HostArray.of(new float[] {1, 5, -2}, 1, 3);
    HostArray y = HostArray.of(new float[] {4, 2, 3}, 1, 3);
    assertThat(run(Functional.of(List.of(a, b), List.of(Multiply.of().apply(a, b))), x, y)).containsExactly(4, 10, -6);
    assertThat(run(Functional.of(List.of(a, b), List.of(Subtract.of().apply(a, b))), x, y)).containsExactly(-3, 3, -5);
    assertThat(run(Functional.of(List.of(a, b), List.of(Average.of().apply(a, b))), x, y)).containsExactly(2.5f, 3.5f, 0.5f);
    assertThat(run(Functional.of(List.of(a, b), List.of(Maximum.of().apply(a, b))), x, y)).containsExactly(4, 5, 3);
    assertThat(run(Functional.of(List.of(a, b), List.of(Minimum.of().apply(a, b))), x, y)).containsExactly(1, 2, -2);
    assertThatThrownBy(() -> Subtract.of().apply(a, b, a)).hasMessageContaining("takes 2 input(s), got 3");
    assertThat(run(Functional.of(List.of(a, b), List.of(dev.topiary.dsl.layers.merging.Dot.of().apply(a, b))), x, y))
        .containsExactly(4 + 10 - 6);
    float cosine = run(Functional.of(List.of(a, b), List.of(dev.topiary.dsl.layers.merging.Dot.cosine().apply(a, b))), x, y)[0];
    assertThat(cosine).isCloseTo((float) (8 / (Math.sqrt(30) * Math.sqrt(29))), within(1e-6f));
    Node s1 = Input.of(2, 3);
    Node s2 = Input.of(4, 3);
    assertThat(dev.topiary.dsl.layers.merging.Dot.of().apply(s1, s2).shape().asArray()).containsExactly(-1, 2, 4);
    assertThatThrownBy(() -> dev.topiary.dsl.layers.merging.Dot.of().apply(a, Input.of(4))).hasMessageContaining("equal last axes");
  }

  @Test
  void shapeLayers() {
    HostArray seq = HostArray.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 4, 2);
    assertThat(run(Sequential.of(Input.of(4, 2), Permute.of(2, 1)), seq)).containsExactly(1, 3, 5, 7, 2, 4, 6, 8);
    assertThat(run(Sequential.of(Input.of(4, 2), Cropping1D.of(1, 2)), seq)).containsExactly(3, 4);
    assertThat(run(Sequential.of(Input.of(4, 2), ZeroPadding1D.of(1, 0)), seq)).containsExactly(0, 0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(run(Sequential.of(Input.of(4, 2), UpSampling1D.of(2)), seq))
        .startsWith(1, 2, 1, 2, 3, 4, 3, 4);
    assertThat(run(Sequential.of(Input.of(4, 2), MaxPooling1D.of(2)), seq)).containsExactly(3, 4, 7, 8);
    assertThat(run(Sequential.of(Input.of(4, 2), AveragePooling1D.of(2)), seq)).containsExactly(2, 3, 6, 7);
    HostArray vec = HostArray.of(new float[] {1, 2}, 1, 2);
    assertThat(run(Sequential.of(Input.of(2), RepeatVector.of(3)), vec)).containsExactly(1, 2, 1, 2, 1, 2);
    HostArray img = HostArray.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1);
    assertThat(run(Sequential.of(Input.of(2, 2, 1), UpSampling2D.of(2, 2)), img))
        .containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
    assertThat(run(Sequential.of(Input.of(2, 2, 1), Cropping2D.of(1, 0, 0, 1)), img)).containsExactly(3);
    assertThat(run(Sequential.of(Input.of(2, 2, 1), GlobalMaxPooling2D.of()), img)).containsExactly(4);
    assertThatThrownBy(() -> Permute.of(1, 1)).hasMessageContaining("permutation");
    assertThatThrownBy(() -> Sequential.of(Input.of(4, 2), Cropping1D.of(2, 2))).hasMessageContaining("leaves nothing");
  }

  @Test
  void layerNormalizationNormalizesEachExample() {
    HostArray x = HostArray.of(new float[] {1, 2, 3, 10, 10, 10}, 2, 3);
    float[] y = run(Sequential.of(Input.of(3), LayerNormalization.of()), x);
    double sd = Math.sqrt(2.0 / 3 + 1e-3);
    assertThat(y[0]).isCloseTo((float) (-1 / sd), within(1e-5f));
    assertThat(y[2]).isCloseTo((float) (1 / sd), within(1e-5f));
    assertThat(y[4]).isCloseTo(0f, within(1e-6f));
  }

  @Test
  void convolutionVariantShapes() {
    assertThat(Sequential.of(Input.of(10, 3), Conv1D.of(4, 3).strides(2)).outputs().get(0).shape().asArray())
        .containsExactly(-1, 4, 4);
    assertThat(Sequential.of(Input.of(8, 8, 3), DepthwiseConv2D.of(3).depthMultiplier(2)).outputs().get(0).shape().asArray())
        .containsExactly(-1, 6, 6, 6);
    assertThat(Sequential.of(Input.of(8, 8, 3), SeparableConv2D.of(5, 3).padding(Padding.SAME)).outputs().get(0)
        .shape().asArray()).containsExactly(-1, 8, 8, 5);
    assertThat(Sequential.of(Input.of(4, 4, 3), Conv2DTranspose.of(2, 3).strides(2)).outputs().get(0).shape().asArray())
        .containsExactly(-1, 9, 9, 2);
    HostArray x = TestData.gaussian(1, 2, 4, 4, 3);
    try (Model m = Sequential.of(Input.of(4, 4, 3), Conv2DTranspose.of(2, 3).strides(2).padding(Padding.SAME)).compile(MSE)) {
      assertThat(m.predict(x).shape()).containsExactly(2, 8, 8, 2);
    }
  }

  @Test
  void everyNewPrunableWeightPrunesExactlyAndStripKeepsOutputs() {
    PruningSpec half = PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2));
    Node in = Input.of(8, 8, 3);
    Node x = DepthwiseConv2D.of(3).pruneDepthwiseKernel().prunable(half).apply(in);
    x = SeparableConv2D.of(6, 3).prunable(half).apply(x);
    x = Conv2DTranspose.of(4, 2).strides(2).prunable(half).apply(x);
    x = LayerNormalization.of().apply(x);
    x = Flatten.of().apply(x);
    x = Dense.of(12).apply(x);
    x = Conv1D.of(5, 3).prunable(half).apply(RepeatVector.of(6).apply(x));
    x = dev.topiary.dsl.layers.convolution.SeparableConv1D.of(4, 2).prunable(half).apply(x);
    Node out = Dense.of(2).apply(Flatten.of().apply(x));
    ModelSpec spec = Functional.of(in, out);
    assertThat(spec.prunedWeights().keySet()).containsExactly("depthwise_conv2d_depthwise_kernel",
        "separable_conv2d_pointwise_kernel", "conv2d_transpose_kernel", "conv1d_kernel",
        "separable_conv1d_pointwise_kernel");
    assertThat(DepthwiseConv2D.of(3).prunableWeights()).isEmpty();
    HostArray data = TestData.gaussian(2, 32, 8, 8, 3);
    HostArray y = TestData.gaussian(3, 32, 2);
    try (Model m = spec.compile(MSE)) {
      m.fit(data, y, Fit.ofEpochs(1).batchSize(16).progress(ProgressSink.silent()));
      Map<String, HostArray> w = m.weights();
      TestData.assertExactSparsity(m, 0.5f);
      assertThat(dev.topiary.ops.Measurements.sparsity(w.get("separable_conv2d_depthwise_kernel").floats())).isZero();
      HostArray before = m.predict(data);
      try (Model stripped = m.strip()) {
        assertThat(stripped.predict(data).floats()).containsExactly(before.floats());
      }
    }
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(ModelConfig.toJson(spec), "more.json")))
        .isEqualTo(ModelConfig.toJson(spec));
  }

  @Test
  void aSubclassOfDenseIsPrunedLikeDense() {
    class WideDense extends Dense {
      WideDense() {
        super(null, null, 6, Activation.RELU, true);
      }
    }
    ModelSpec spec = Sequential.of(Input.of(4), new WideDense().prunable(ConstantSparsity.of(0.5, 0)), Dense.of(1));
    try (Model m = spec.compile(MSE)) {
      m.fit(TestData.gaussian(1, 16, 4), TestData.gaussian(2, 16), Fit.ofEpochs(1).progress(ProgressSink.silent()));
      assertThat(m.sparsity()).containsEntry("dense_kernel", 0.5);
    }
  }

  @Test
  void conv3dPrunesExactlyAndPooling3dShapes() {
    ModelSpec spec = Sequential.of(Input.of(6, 6, 6, 2),
        dev.topiary.dsl.layers.convolution.Conv3D.of(4, 3).prunable(ConstantSparsity.of(0.75, 0, -1, 2)),
        dev.topiary.dsl.layers.pooling.MaxPooling3D.of(2),
        dev.topiary.dsl.layers.convolution.Conv3DTranspose.of(3, 2).strides(2).prunable(ConstantSparsity.of(0.75, 0, -1, 2)),
        dev.topiary.dsl.layers.pooling.GlobalMaxPooling3D.of(), Dense.of(2));
    assertThat(spec.nodes().get(2).shape().asArray()).containsExactly(-1, 2, 2, 2, 4);
    HostArray x = TestData.gaussian(1, 16, 6, 6, 6, 2);
    try (Model m = spec.compile(MSE)) {
      m.fit(x, TestData.gaussian(2, 16, 2), Fit.ofEpochs(1).batchSize(8).progress(ProgressSink.silent()));
      assertThat(m.sparsity().get("conv3d_kernel")).isCloseTo(1 - 54.0 / 216, within(1e-6));
      assertThat(m.sparsity().get("conv3d_transpose_kernel")).isCloseTo(1 - 24.0 / 96, within(1e-6));
      float[] before = m.predict(x).floats();
      try (Model stripped = m.strip()) {
        assertThat(stripped.predict(x).floats()).containsExactly(before);
      }
    }
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(ModelConfig.toJson(spec), "3d.json")))
        .isEqualTo(ModelConfig.toJson(spec));
  }
}
