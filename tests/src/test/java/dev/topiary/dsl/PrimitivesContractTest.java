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
import dev.topiary.dsl.layers.activations.ReLU;
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
 * TFLite side is checked op by op here and against the real interpreter by {@code tools/check_tflite.py}.
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
      return Shape.of(-1, 5 * 5 + 5 + 4 * 3);
    }

    @Override
    public List<WeightSpec> weights(List<Shape> in) {
      return List.of(WeightSpec.trainable("scale", Shape.of(3), Initializer.GLOROT_UNIFORM));
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
      return p.concat(List.of(p.reshape(padded, 25), maxes, p.reshape(p.activation(Activation.SIGMOID, x), 12)), -1);
    }
  }

  static Stream<ModelSpec> models() {
    return Stream.of(
        Sequential.of(Input.of(4, 3), new EveryPrimitive(null)),
        Sequential.of(Input.of(6), Dense.of(8), ReLU.of()),
        Sequential.of(Input.of(6), Dense.of(8), ReLU.of().maxValue(6)),
        Sequential.of(Input.of(6), Dense.of(8), ReLU.of().maxValue(0.8).negativeSlope(0.1).threshold(0.3)),
        Sequential.of(Input.of(6), Dense.of(8), ReLU.of().negativeSlope(0.2)),
        Sequential.of(Input.of(6), Dense.of(8), ReLU.of().threshold(0.5)));
  }

  @ParameterizedTest
  @MethodSource("models")
  void graphEagerAndTheSparseRuntimeComputeTheSameAndTfliteWritesIt(ModelSpec spec) {
    long[] in = spec.inputs().get(0).shape().asArray();
    long[] dims = new long[in.length];
    dims[0] = 7;
    System.arraycopy(in, 1, dims, 1, in.length - 1);
    HostArray x = TestData.gaussian(3, dims);
    try (Model graph = spec.compile(COMPILE); EagerModel eager = EagerModel.build(spec, COMPILE)) {
      eager.setWeights(graph.weights());
      float[] expected = graph.predict(x).floats();
      assertThat(eager.predict(x).floats()).containsExactly(expected, Offset.offset(1e-6f));
      try (SparseModel sparse = SparseModel.of(graph, SparseOptions.defaults().calibrate(false))) {
        assertThat(sparse.predict(List.of(x), 7).get(0).floats()).containsExactly(expected, Offset.offset(2e-6f));
        assertThat(sparse.predict(List.of(x.slice(2, 3)), 1).get(0).floats())
            .containsExactly(graph.predict(x.slice(2, 3)).floats(), Offset.offset(2e-6f));
      }
      TfliteFile f = TfliteFile.parse(TfliteExport.bytes(graph, TfliteFlavour.FLOAT32), "lowered");
      assertThat(f.operators()).isNotEmpty();
    }
  }
}
