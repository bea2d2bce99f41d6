package dev.topiary.dsl.layers.activations;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * Keras' {@code PReLU} layer: x for x &gt;= 0, {@code alpha * x} below, with a trained {@code alpha} per
 * element of an example (shape: the input's without the batch, size 1 along each of
 * {@code shared_axes}, which count the batch as axis 0 as Keras does). Computed as Keras does,
 * {@code relu(x) - alpha * relu(-x)}. Alpha starts at zero (Keras' default) and is not pruned: it is
 * one slope per unit, not a connection.
 */
public final class PReLU extends BaseLayer<PReLU> implements LoweredLayer {
  /** The type (the {@code keras} module maps Keras' {@code PReLU}: its initializer is not a setting). */
  public static final LayerType<PReLU> TYPE = LayerType.of("PReLU", PReLU.class, PReLU::fromConfig)
      .with(KerasForm.class, KerasForm.of("PReLU", "shared_axes"));

  private final int[] sharedAxes;

  private PReLU(@Nullable String name, int[] sharedAxes) {
    super(name, null);
    for (int a : sharedAxes) {
      if (a < 1) {
        throw new IllegalArgumentException("PReLU shared_axes must be example axes >= 1 (batch = 0), got "
            + Arrays.toString(sharedAxes));
      }
    }
    this.sharedAxes = sharedAxes.clone();
  }

  /** One alpha per element of an example. */
  public static PReLU of() {
    return new PReLU(null, new int[0]);
  }

  /** A copy sharing one alpha along {@code axes} (batch = 0; e.g. 1, 2 for one alpha per channel of images). */
  public PReLU sharedAxes(int... axes) {
    return new PReLU(name(), axes);
  }

  public int[] sharedAxes() {
    return sharedAxes.clone();
  }

  @Override
  protected PReLU copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new PReLU(name, sharedAxes);
  }

  @Override
  public String typeName() {
    return "PReLU";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    alphaShape(in);
    return in;
  }

  private Shape alphaShape(Shape in) {
    long[] dims = new long[in.numDimensions() - 1];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = in.get(i + 1);
    }
    for (int a : sharedAxes) {
      if (a > dims.length) {
        throw new LayerShapeException(describe() + ": shared axis " + a + " is out of range for input " + Shapes.format(in));
      }
      dims[a - 1] = 1;
    }
    for (long d : dims) {
      if (d < 0) {
        throw new LayerShapeException(describe() + " needs every unshared axis known, got " + Shapes.format(in));
      }
    }
    return Shape.of(dims);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return List.of(WeightSpec.ofTrainable("alpha", alphaShape(inputShapes.get(0)), Initializer.ZEROS));
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T x = inputs.get(0);
    T negative = p.activation(Activation.RELU, p.unary(Primitives.Unary.NEGATE, x));
    return p.subtract(p.activation(Activation.RELU, x), p.multiply(p.weight("alpha"), negative));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("shared_axes",
        sharedAxes.length == 0 ? null : Arrays.stream(sharedAxes).boxed().toList());
  }

  private static PReLU fromConfig(Settings s) {
    s.requireOnly("shared_axes");
    if (!s.has("shared_axes")) {
      return of();
    }
    return of().sharedAxes(Arrays.stream(s.getLongs("shared_axes")).mapToInt(Math::toIntExact).toArray());
  }

  /** Keeps the steps, so the mask passes through (Keras 3: {@code supports_masking}). */
  @Override
  public org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> outputMask(
      dev.topiary.dsl.layers.LayerContext context, java.util.List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs,
      org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
