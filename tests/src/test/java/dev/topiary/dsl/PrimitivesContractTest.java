package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.bridge.EagerModel;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.Primitives.Binary;
import dev.topiary.dsl.layers.Primitives.Reduce;
import dev.topiary.dsl.layers.Primitives.Unary;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.layers.activations.ELU;
import dev.topiary.dsl.layers.activations.ReLU;
import dev.topiary.dsl.layers.activations.Softmax;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.preprocessing.Normalization;
import dev.topiary.dsl.layers.preprocessing.Rescaling;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.ops.PruningSpec;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFile;
import dev.topiary.tflite.TfliteFlavour;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.ndarray.Shape;

/**
 * A layer described once in {@link Primitives} runs in every back end without code of its own: graph and
 * eager (TF ops), the sparse runtime (plain Java loops) and {@code .tflite} files (builtins). The TF
 * and Java implementations of the primitives are independent, so equal predictions check both; the
 * TFLite side is checked op by op here and against the real interpreter by {@code dsl/tflite/tools/check_tflite.py}.
 */
class PrimitivesContractTest {
  private static final Compile COMPILE = Compile.of(dev.topiary.dsl.training.Optimizer.adam(), Loss.meanSquaredError()).seed(5);

  /** Every primitive at least once, broadcasting a weight, a constant and a kept reduction. */
  static final class EveryPrimitive extends BaseLayer<EveryPrimitive> implements LoweredLayer {
    EveryPrimitive(@Nullable String name) {
      super(name, null);
    }

    @Override
    protected EveryPrimitive copy(@Nullable String name, @Nullable PruningSpec pruning) {
      return new EveryPrimitive(name);
    }

    @Override
    public String typeName() {
      return "EveryPrimitive";
    }

    @Override
    public Shape outputShape(List<Shape> in) {
      return Shape.of(-1, 5 * 5 + 5 + 4 * 3 + 12 + 24);
    }

    @Override
    public List<WeightSpec> weights(List<Shape> in) {
      return List.of(WeightSpec.ofTrainable("scale", Shape.of(3), Initializer.GLOROT_UNIFORM));
    }

    @Override
    public <T> T lower(Primitives<T> p, List<T> inputs) {
      T x = inputs.get(0); // [4, 3]
      T a = p.multiply(x, p.weight("scale"));
      T centred = p.subtract(a, p.reduce(Reduce.MEAN, a, new int[] {-1}, true));
      T norm = p.unary(Unary.RSQRT, p.add(p.unary(Unary.SQUARE, centred), p.scalar(1f)));
      T clipped = p.binary(Binary.MINIMUM, p.binary(Binary.MAXIMUM, p.multiply(centred, norm),
          p.constant(new float[] {-0.5f, -0.4f, -0.3f}, 3)), p.scalar(0.6f));
      T stepped = p.add(clipped, p.binary(Binary.GREATER, x, p.constant(new float[] {0, 0.5f, -0.5f, 1}, 4, 1)));
      T logs = p.unary(Unary.LOG, p.add(p.unary(Unary.ABS, p.unary(Unary.NEGATE, stepped)), p.scalar(1)));
      T soft = p.activation(Activation.SOFTMAX, p.binary(Binary.DIVIDE, p.unary(Unary.EXP, logs),
          p.unary(Unary.SQRT, p.add(p.unary(Unary.SQUARE, x), p.scalar(2)))));
      T padded = p.pad(p.activation(Activation.TANH, p.subtract(soft, logs)), new int[] {1, 0}, new int[] {0, 2});
      T maxes = p.reduce(Reduce.MAX, padded, new int[] {2}, false); // [5]
      T cut = p.slice(p.transpose(x, 1, 0), new int[] {1, 0}, new int[] {2, 3}); // [2, 3] of x's transpose [3, 4]
      T tiled = p.tile(cut, 2, 1); // [4, 3]
      T repeated = p.repeat(x, 1, 2); // [4, 6]
      return p.concat(List.of(p.reshape(padded, 25), maxes, p.reshape(p.activation(Activation.SIGMOID, x), 12),
          p.reshape(tiled, 12), p.reshape(repeated, 24)), -1);
    }
  }

  /** A model and its input; every built-in lowered layer's example, a layer using every primitive, ReLU variants. */
  record Case(String name, ModelSpec spec, List<HostArray> inputs) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    Stream<Case> builtIn = LayerExamples.all().stream().filter(e -> e.layer() instanceof LoweredLayer)
        .map(e -> new Case(e.type(), e.spec(), e.inputs()));
    Map<String, ModelSpec> specs = new java.util.LinkedHashMap<>();
    specs.put("every primitive", Sequential.of(Input.of(4, 3), new EveryPrimitive(null)));
    specs.put("ReLU plain", Sequential.of(Input.of(6), Dense.of(8), ReLU.of()));
    specs.put("ReLU6", Sequential.of(Input.of(6), Dense.of(8), ReLU.of().maxValue(6)));
    specs.put("ReLU leaky", Sequential.of(Input.of(6), Dense.of(8), ReLU.of().negativeSlope(0.2)));
    specs.put("ReLU threshold", Sequential.of(Input.of(6), Dense.of(8), ReLU.of().threshold(0.5)));
    specs.put("Softmax last axis", Sequential.of(Input.of(3, 4), Dense.of(5), Softmax.of()));
    specs.put("ELU alpha 1", Sequential.of(Input.of(6), Dense.of(8), ELU.of()));
    specs.put("Rescaling scalar", Sequential.of(Input.of(6), Rescaling.of(1 / 127.5, -1)));
    specs.put("Normalization given", Sequential.of(Input.of(2, 3),
        Normalization.of(new float[] {0.5f, -1f, 2f}, new float[] {4f, 0.25f, 1f}).inverted(true)));
    specs.put("BatchNormalization without scale and center", Sequential.of(Input.of(6), Dense.of(4),
        dev.topiary.dsl.layers.normalization.BatchNormalization.of().scale(false), Dense.of(4),
        dev.topiary.dsl.layers.normalization.BatchNormalization.of().center(false)));
    Node image = Input.of(3, 3, 4);
    Node squeezed = dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D.of().keepDims(true).apply(image);
    specs.put("squeeze-and-excitation Multiply", Functional.of(image,
        dev.topiary.dsl.layers.merging.Multiply.of().apply(image, squeezed)));
    for (Activation a : List.of(Activation.HARD_SIGMOID_KERAS3, Activation.HARD_SILU, Activation.LEAKY_RELU,
        Activation.GELU_APPROXIMATE)) {
      specs.put("activation " + a.kerasName(), Sequential.of(Input.of(6), Dense.of(8, a), ActivationLayer.of(a)));
    }
    Stream<Case> more = specs.entrySet().stream().map(e -> {
      long[] dims = e.getValue().inputs().get(0).shape().asArray().clone();
      dims[0] = 7;
      return new Case(e.getKey(), e.getValue(), List.of(TestData.gaussian(3, dims)));
    });
    return Stream.concat(builtIn, more);
  }

  /**
   * With {@code -Dtopiary.tfliteDir=DIR}, writes each case's file with its inputs and TF's outputs as
   * {@code dsl/tflite/tools/check_tflite.py} reads them, to run them in TFLite's own interpreter (outside mvn test).
   */
  private static void dumpForTheInterpreter(Case c, Model graph, byte[] tflite, float[] expected) {
    String dir = System.getProperty("topiary.tfliteDir");
    if (dir == null || dir.isEmpty()) {
      return;
    }
    try {
      String name = "lowered_" + c.name().replaceAll("[^A-Za-z0-9]+", "_");
      java.nio.file.Path d = java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir));
      java.nio.file.Files.write(d.resolve(name + ".tflite"), tflite);
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var root = json.createObjectNode();
      var ins = root.putObject("inputs");
      for (int i = 0; i < c.inputs().size(); i++) {
        var node = ins.putObject(graph.spec().inputName(graph.spec().inputs().get(i)));
        node.set("shape", json.valueToTree(c.inputs().get(i).shape()));
        node.set("values", json.valueToTree(c.inputs().get(i).floats()));
      }
      var out = root.putObject("outputs").putObject(graph.spec().outputName(0));
      long[] shape = graph.predict(c.inputs(), 64).get(0).shape();
      out.set("shape", json.valueToTree(shape));
      out.set("values", json.valueToTree(expected));
      json.writeValue(d.resolve(name + ".tflite.json").toFile(), root);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void graphEagerAndTheSparseRuntimeComputeTheSameAndTfliteWritesIt(Case c) {
    int n = (int) c.inputs().get(0).shape()[0];
    try (Model graph = c.spec().compile(COMPILE); EagerModel eager = EagerModel.from(graph)) {
      float[] expected = graph.predict(c.inputs(), n).get(0).floats();
      assertThat(eager.predict(c.inputs(), n).get(0).floats()).containsExactly(expected, Offset.offset(1e-6f));
      try (SparseModel sparse = SparseModel.of(graph, SparseOptions.defaults().calibrate(false))) {
        assertThat(sparse.predict(c.inputs(), n).get(0).floats()).containsExactly(expected, Offset.offset(1e-5f));
        List<HostArray> one = c.inputs().stream().map(x -> x.slice(2, 3)).toList();
        assertThat(sparse.predict(one, 1).get(0).floats())
            .containsExactly(graph.predict(one, 1).get(0).floats(), Offset.offset(1e-5f));
      }
      byte[] tflite = TfliteExport.bytes(graph, TfliteFlavour.FLOAT32);
      TfliteFile f = TfliteFile.parse(tflite, "lowered");
      assertThat(f.operators()).isNotEmpty();
      dumpForTheInterpreter(c, graph, tflite, expected);
    }
  }
}
