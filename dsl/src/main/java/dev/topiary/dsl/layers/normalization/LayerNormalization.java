package dev.topiary.dsl.layers.normalization;

import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Normalizes each example over its last axis, then scales and shifts (gamma, beta); epsilon 1e-3. */
public final class LayerNormalization extends BaseLayer<LayerNormalization> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<LayerNormalization> TYPE =
      LayerType.of("LayerNormalization", LayerNormalization.class, LayerNormalization::fromConfig)
          // axis is checked against the input's rank when the layer is applied (the keras module's reader).
          .with(KerasForm.class, KerasForm.of("LayerNormalization", "epsilon").withDefault("epsilon", 1e-3)
              .withConstant("axis", -1).ignoring("axis").withConstant("center", true).withConstant("scale", true)
              .withRequired("rms_scaling", false));

  private final float epsilon;

  private LayerNormalization(@Nullable String name, float epsilon) {
    super(name, null);
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("LayerNormalization epsilon must be > 0, got " + epsilon);
    }
    this.epsilon = epsilon;
  }

  public static LayerNormalization of() {
    return new LayerNormalization(null, 1e-3f);
  }

  public LayerNormalization epsilon(float epsilon) {
    return new LayerNormalization(name(), epsilon);
  }

  @Override
  protected LayerNormalization copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new LayerNormalization(name, epsilon);
  }

  @Override
  public String typeName() {
    return "LayerNormalization";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    if (in.numDimensions() < 2) {
      throw new LayerShapeException(describe() + " needs input of rank >= 2, got " + Shapes.format(in));
    }
    return in;
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    Shape in = inputShapes.get(0);
    Shape features = Shape.of(in.get(in.numDimensions() - 1));
    return List.of(WeightSpec.ofTrainable("gamma", features, Initializer.ONES),
        WeightSpec.ofTrainable("beta", features, Initializer.ZEROS));
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T x = inputs.get(0);
    T centered = p.subtract(x, p.reduce(Primitives.Reduce.MEAN, x, new int[] {-1}, true));
    T variance = p.reduce(Primitives.Reduce.MEAN, p.multiply(centered, centered), new int[] {-1}, true);
    T normalized = p.multiply(centered, p.unary(Primitives.Unary.RSQRT, p.add(variance, p.scalar(epsilon))));
    return p.add(p.multiply(normalized, p.weight("gamma")), p.weight("beta"));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("epsilon", (double) epsilon);
  }

  private static LayerNormalization fromConfig(Settings s) {
    return LayerNormalization.of().epsilon((float) s.getDouble("epsilon"));
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
