package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * Joins two or more inputs along {@code axis} (default -1, the last); other dimensions must match.
 * Written once in {@link Primitives}, so every back end runs it.
 */
public final class Concatenate extends BaseLayer<Concatenate> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Concatenate> TYPE =
      LayerType.of("Concatenate", Concatenate.class, Concatenate::fromConfig)
          .with(KerasForm.class, KerasForm.of("Concatenate", "axis").withDefault("axis", -1));

  private final int axis;

  private Concatenate(@Nullable String name, int axis) {
    super(name, null);
    if (axis == 0) {
      throw new IllegalArgumentException("Concatenate cannot join along the batch axis 0");
    }
    this.axis = axis;
  }

  public static Concatenate of() {
    return new Concatenate(null, -1);
  }

  public static Concatenate alongAxis(int axis) {
    return new Concatenate(null, axis);
  }

  @Override
  protected Concatenate copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Concatenate(name, axis);
  }

  @Override
  public String typeName() {
    return "Concatenate";
  }

  /** The axis the inputs are joined along, as given (negative counts from the last). */
  public int axis() {
    return axis;
  }

  @Override
  public int inputCount() {
    return -1;
  }

  private int resolvedAxis(int rank) {
    return axis < 0 ? rank + axis : axis;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    if (inputShapes.size() < 2) {
      throw new LayerShapeException(describe() + " needs at least 2 inputs, got " + inputShapes.size());
    }
    Shape first = inputShapes.get(0);
    int rank = first.numDimensions();
    int a = resolvedAxis(rank);
    if (a <= 0 || a >= rank) {
      throw new LayerShapeException(describe() + " axis " + axis + " is out of range for input " + Shapes.format(first));
    }
    long[] out = first.asArray();
    out[a] = 0;
    for (Shape s : inputShapes) {
      boolean fits = s.numDimensions() == rank;
      for (int i = 1; fits && i < rank; i++) {
        fits = i == a || s.get(i) == first.get(i);
      }
      if (!fits) {
        throw new LayerShapeException(describe() + " needs inputs equal except along axis " + axis + ", got "
            + Shapes.format(first) + " and " + Shapes.format(s));
      }
      out[a] = out[a] < 0 || s.get(a) < 0 ? -1 : out[a] + s.get(a);
    }
    return Shape.of(out);
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    return ops.concat(inputs, axis);
  }

  /**
   * Keras 3's rule: each input's mask (all true where it has none) spread over its features, joined along
   * the axis, then any over the last axis; so joining features ORs the masks, joining steps joins them.
   */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(dev.topiary.dsl.layers.LayerContext context,
      List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs,
      org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    List<org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool>> masks = context.inputMasks();
    if (masks.stream().allMatch(java.util.Objects::isNull)) {
      return null;
    }
    org.tensorflow.op.Ops tf = context.tf();
    List<org.tensorflow.Operand<org.tensorflow.types.TBool>> spread = new java.util.ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      org.tensorflow.Operand<org.tensorflow.types.TFloat32> x = inputs.get(i);
      org.tensorflow.Operand<org.tensorflow.types.TBool> m = masks.get(i);
      spread.add(m == null ? tf.fill(tf.shape(x), tf.constant(true))
          : tf.broadcastTo(tf.expandDims(m, tf.constant(-1)), tf.shape(x)));
    }
    int rank = inputs.get(0).shape().numDimensions();
    return tf.reduceAny(tf.concat(spread, tf.constant(resolvedAxis(rank))), tf.constant(-1));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("axis", axis);
  }

  private static Concatenate fromConfig(Settings s) {
    return Concatenate.alongAxis(s.getInt("axis"));
  }
}
