package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.bridge.EagerModel;
import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.convolution.Conv1D;
import dev.topiary.dsl.layers.convolution.Conv2DTranspose;
import dev.topiary.dsl.layers.convolution.Conv3D;
import dev.topiary.dsl.layers.convolution.Conv3DTranspose;
import dev.topiary.dsl.layers.convolution.GroupedConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv1D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The convolution variants Keras Applications need beyond {@link LayerExamples}' one example per type:
 * {@code use_bias=False} on Conv1D, SeparableConv1D, Conv2DTranspose, Conv3D and Conv3DTranspose, and
 * GroupedConv2D with several channels per group (its other path, one convolution per group). Each has no
 * bias variable, keeps its setting through a config round trip, predicts the same in graph and eager
 * execution, has graph gradients that match numeric ones, and trains in both modes.
 */
class ConvolutionVariantsTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(0.01f), Loss.meanSquaredError()).seed(3);

  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of("Conv1D", new long[] {6, 3}, Conv1D.of(4, 3).useBias(false)),
        Arguments.of("SeparableConv1D", new long[] {6, 3}, SeparableConv1D.of(4, 3).useBias(false)),
        Arguments.of("Conv2DTranspose", new long[] {3, 3, 2}, Conv2DTranspose.of(2, 2).strides(2).useBias(false)),
        Arguments.of("Conv3D", new long[] {3, 3, 3, 2}, Conv3D.of(2, 2).useBias(false)),
        Arguments.of("Conv3DTranspose", new long[] {2, 2, 2, 2}, Conv3DTranspose.of(2, 2).strides(2).useBias(false)),
        Arguments.of("GroupedConv2D 2 channels per group", new long[] {4, 4, 4}, GroupedConv2D.of(6, 2, 2, 2)),
        Arguments.of("GroupedConv2D without bias", new long[] {4, 4, 4}, GroupedConv2D.of(2, 2, 3, 3).useBias(false)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void readsTrainsAndPredictsAlikeInBothModes(String what, long[] shape, Layer layer) {
    ModelSpec spec = Sequential.of(Input.of(shape), layer, Flatten.of(), Dense.of(2));
    String name = spec.layerName(spec.layers().get(0));
    boolean biased = !layer.config().has("use_bias") || layer.config().getBoolean("use_bias");
    assertThat(spec.initialWeights(1).keySet().stream().filter(k -> k.startsWith(name + "_")))
        .as("%s variables", what).contains(name + "_" + (layer.prunableWeights().iterator().next()))
        .matches(keys -> keys.contains(name + "_bias") == biased, "has a bias variable exactly when use_bias");
    String json = ModelConfig.toJson(spec);
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(json, what + ".json"))).isEqualTo(json);

    long[] batch = new long[shape.length + 1];
    batch[0] = LayerExamples.EXAMPLES;
    System.arraycopy(shape, 0, batch, 1, shape.length);
    List<HostArray> x = List.of(TestData.gaussian(5, batch));
    HostArray y = TestData.gaussian(6, LayerExamples.EXAMPLES, 2);
    GradientCheckTest.check(spec, x, y, Loss.meanSquaredError());

    Fit fit = Fit.ofEpochs(2).batchSize(LayerExamples.BATCH).shuffle(false).progress(ProgressSink.silent());
    try (Model graph = spec.compile(COMPILE); EagerModel eager = EagerModel.build(spec, COMPILE)) {
      eager.setWeights(graph.weights());
      assertClose(eager.predict(x, 16).get(0), graph.predict(x, 16).get(0), what + " before training");
      Map<String, HostArray> start = graph.weights();
      graph.fit(x, List.of(y), fit);
      eager.fit(x, List.of(y), fit);
      String kernel = spec.variableName(spec.layers().get(0), layer.prunableWeights().iterator().next());
      assertThat(graph.weights().get(kernel)).as("%s kernel after training", what).isNotEqualTo(start.get(kernel));
      assertClose(eager.weights().get(kernel), graph.weights().get(kernel), what + " kernel trained eagerly");
      assertClose(eager.predict(x, 16).get(0), graph.predict(x, 16).get(0), what + " after training");
    }
  }

  private static void assertClose(HostArray actual, HostArray expected, String what) {
    float[] a = actual.floats();
    float[] e = expected.floats();
    assertThat(a).as(what).hasSameSizeAs(e);
    for (int i = 0; i < e.length; i++) {
      assertThat(a[i]).as("%s [%d]", what, i).isCloseTo(e[i], Offset.offset(1e-4f));
    }
  }
}
