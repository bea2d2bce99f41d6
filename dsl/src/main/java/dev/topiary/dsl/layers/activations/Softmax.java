package dev.topiary.dsl.layers.activations;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * Keras' {@code Softmax} layer: {@code exp(x) / sum(exp(x))} along {@code axis} (default the last).
 * Along the last axis it is the {@link Activation#SOFTMAX} op; along another axis it is computed as
 * {@code exp(x - max) / sum(exp(x - max))}, as Keras computes it, so large inputs do not overflow.
 */
public final class Softmax extends BaseLayer<Softmax> implements LoweredLayer {
  /** The type: Keras' {@code Softmax} with its {@code axis} (one axis). */
  public static final LayerType<Softmax> TYPE = LayerType.of("Softmax", Softmax.class, Softmax::fromConfig)
      .with(KerasForm.class, KerasForm.of("Softmax", "axis"));

  private final int axis;

  private Softmax(@Nullable String name, int axis) {
    super(name, null);
    if (axis == 0) {
      throw new IllegalArgumentException("Softmax axis 0 is the batch axis; use a feature axis (default -1)");
    }
    this.axis = axis;
  }

  /** Softmax over the last axis. */
  public static Softmax of() {
    return new Softmax(null, -1);
  }

  /** A copy normalizing along {@code axis} (batch = 0, negatives from the end). */
  public Softmax axis(int axis) {
    return new Softmax(name(), axis);
  }

  public int axis() {
    return axis;
  }

  @Override
  protected Softmax copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Softmax(name, axis);
  }

  @Override
  public String typeName() {
    return "Softmax";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    int rank = in.numDimensions();
    if (axis >= rank || axis < -rank + 1) {
      throw new LayerShapeException(describe() + ": axis " + axis + " is out of range for input " + Shapes.format(in));
    }
    return in;
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T x = inputs.get(0);
    int exampleRank = p.shape(x).length;
    int a = Primitives.exampleAxis(axis, exampleRank);
    if (a == exampleRank - 1) {
      return p.activation(Activation.SOFTMAX, x);
    }
    int[] axes = {axis};
    T e = p.unary(Primitives.Unary.EXP, p.subtract(x, p.reduce(Primitives.Reduce.MAX, x, axes, true)));
    // No SUM primitive: the mean times the axis length is the sum.
    T sum = p.multiply(p.reduce(Primitives.Reduce.MEAN, e, axes, true), p.scalar(p.shape(x)[a]));
    return p.binary(Primitives.Binary.DIVIDE, e, sum);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("axis", axis);
  }

  private static Softmax fromConfig(Settings s) {
    s.requireOnly("axis");
    Object axis = s.asMap().get("axis");
    if (axis instanceof List<?> list) { // Keras allows several axes; Topiary one
      if (list.size() != 1) {
        throw new IllegalArgumentException("Softmax over several axes " + list + " is not supported (one axis)");
      }
      return new Softmax(null, ((Number) list.get(0)).intValue());
    }
    return new Softmax(null, s.has("axis") ? s.getInt("axis") : -1);
  }

  /**
   * Keeps the steps, so the mask passes through (Keras 3: {@code supports_masking}). Keras would also apply a
   * (batch, steps) mask to the scores, aligned from the right against (steps, features): meaningful only
   * where the two sizes coincide, so it is not copied.
   */
  @Override
  public org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> outputMask(
      dev.topiary.dsl.layers.LayerContext context, java.util.List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs,
      org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
