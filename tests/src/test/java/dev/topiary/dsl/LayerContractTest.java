package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.topiary.bridge.EagerModel;
import dev.topiary.dsl.config.ConfigRegistry;
import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.BuiltInLayers;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.Measurements;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every built-in layer passes (Keras' {@code run_layer_test}), over one small model per
 * layer type from {@link LayerExamples} (dsl's test jar): its config round-trips, graph and eager
 * execution predict the same, its graph gradients match numeric ones where it has trainable weights,
 * and where it has prunable weights {@code PruningPolicy.only(itsClass)} marks it and training then
 * stripping leaves exactly the rounding rule's sparsity.
 *
 * <p>In package {@code dev.topiary.dsl} for the gradient check's package-private training loss.
 */
class LayerContractTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(0.01f), Loss.meanSquaredError()).seed(11);
  private static final float TARGET = 0.5f;

  static List<LayerExamples.Example> examples() {
    return LayerExamples.all();
  }

  @Test
  void everyRegisteredLayerTypeHasAnExample() {
    assertThat(LayerExamples.missing()).as("built-in layer types without an example in LayerExamples").isEmpty();
    assertThat(LayerExamples.unknown()).isEmpty();
    assertThat(ConfigRegistry.layerTypes())
        .containsAll(BuiltInLayers.codecs().stream().map(LayerType::typeName).toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void codecReadsTheLayersClassAndConfigRoundTrips(LayerExamples.Example example) {
    Layer layer = example.layer();
    LayerType<?> codec = BuiltInLayers.codecs().stream().filter(c -> c.typeName().equals(example.type())).findFirst()
        .orElseThrow();
    assertThat(codec.type()).isEqualTo(layer.getClass());
    assertThat(codec.read(layer.config())).isExactlyInstanceOf(layer.getClass());
    String json = ModelConfig.toJson(example.spec());
    ModelSpec back = ModelConfig.fromJson(json, example.type() + ".json");
    assertThat(ModelConfig.toJson(back)).isEqualTo(json);
    assertThat(back.initialWeights(1).keySet()).isEqualTo(example.spec().initialWeights(1).keySet());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void graphAndEagerPredictTheSame(LayerExamples.Example example) {
    try (Model graph = example.spec().compile(COMPILE); EagerModel eager = EagerModel.build(example.spec(), COMPILE)) {
      eager.setWeights(graph.weights());
      float[] g = graph.predict(example.inputs(), 16).get(0).floats();
      float[] e = eager.predict(example.inputs(), 16).get(0).floats();
      assertThat(e).hasSameSizeAs(g);
      for (int i = 0; i < g.length; i++) {
        assertThat(e[i]).as("%s output %d", example.type(), i).isCloseTo(g[i], Offset.offset(1e-5f));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void gradientsMatchNumericOnes(LayerExamples.Example example) {
    Layer layer = example.layer();
    assumeTrue(example.spec().weights(layer).stream().anyMatch(WeightSpec::trainable), "no trainable weights");
    GradientCheckTest.check(example.spec(), example.inputs(), example.labels(), Loss.meanSquaredError());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void prunesExactlyAndStripsToTheSameSparsity(LayerExamples.Example example) {
    Layer layer = example.layer();
    assumeFalse(layer.prunableWeights().isEmpty(), "nothing prunable");
    String name = example.spec().layerName(layer);
    ModelSpec pruned = example.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(TARGET, 0, -1, 1)),
        PruningPolicy.only(layer.getClass()));
    assertThat(pruned.prunedLayers()).containsKey(name);
    List<String> weights = layer.prunableWeights().stream().map(w -> pruned.variableName(pruned.layer(name), w)).toList();
    assertThat(pruned.prunedWeights()).containsKeys(weights.toArray(String[]::new));
    try (Model model = pruned.compile(COMPILE)) {
      model.fit(example.inputs(), List.of(example.labels()),
          Fit.ofEpochs(1).batchSize(LayerExamples.BATCH).shuffle(false).progress(ProgressSink.silent()));
      try (Model stripped = model.strip()) {
        Map<String, HostArray> values = stripped.weights();
        for (String w : weights) {
          float[] v = values.get(w).floats();
          assertThat(Measurements.sparsity(v)).as(w).isCloseTo(Measurements.expectedSparsity(v.length, TARGET),
              Offset.offset(1e-9));
        }
      }
    }
  }
}
