package dev.topiary.dsl.layers.preprocessing;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code Normalization} layer over the last axis: {@code (x - mean) / max(sqrt(variance), 1e-7)}
 * (Keras' {@code backend.epsilon()}), or with {@code invert} {@code mean + x * max(sqrt(variance), 1e-7)}.
 * The mean and variance are either given (numbers or one per channel, as ConvNeXt gives ImageNet's) or
 * adapted: then they are the frozen weights {@code mean} and {@code variance}, one per channel, as Keras
 * keeps them (EfficientNet). Topiary does not adapt: read the adapted values from a Keras file or set them.
 */
public final class Normalization extends BaseLayer<Normalization> implements LoweredLayer {
  /** The type (the {@code keras} module maps Keras' {@code Normalization}: it keeps an int count Topiary does not). */
  public static final LayerType<Normalization> TYPE =
      LayerType.of("Normalization", Normalization.class, Normalization::fromConfig);

  /** Keras' {@code backend.epsilon()}, the floor of the standard deviation. */
  private static final float EPSILON = 1e-7f;

  private final int axis;
  private final boolean invert;
  private final @Nullable Values mean;
  private final @Nullable Values variance;

  private Normalization(@Nullable String name, int axis, boolean invert, @Nullable Values mean,
      @Nullable Values variance) {
    super(name, null);
    if ((mean == null) != (variance == null)) {
      throw new IllegalArgumentException("Normalization needs both mean and variance, or neither (adapted weights)");
    }
    if (axis == 0) {
      throw new IllegalArgumentException("Normalization axis 0 is the batch axis; Topiary normalizes the last axis");
    }
    if (variance != null) {
      for (float v : variance.values()) {
        if (!(v >= 0) || Float.isInfinite(v)) {
          throw new IllegalArgumentException("Normalization variance must be finite and >= 0, got " + v);
        }
      }
    }
    this.axis = axis;
    this.invert = invert;
    this.mean = mean;
    this.variance = variance;
  }

  /** Mean and variance as weights ({@code mean}, {@code variance}: one per channel of the last axis). */
  public static Normalization adapted() {
    return new Normalization(null, -1, false, null, null);
  }

  /** Given mean and variance per channel (last axis), or one of each for all values. */
  public static Normalization of(float[] mean, float[] variance) {
    boolean scalar = mean.length == 1 && variance.length == 1;
    return new Normalization(null, -1, false, new Values(mean.clone(), scalar), new Values(variance.clone(), scalar));
  }

  /** A copy that undoes the normalization: {@code mean + x * sqrt(variance)}. */
  public Normalization inverted(boolean invert) {
    return new Normalization(name(), axis, invert, mean, variance);
  }

  @Override
  protected Normalization copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Normalization(name, axis, invert, mean, variance);
  }

  @Override
  public String typeName() {
    return "Normalization";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    int rank = in.numDimensions();
    if (rank < 2 || axis != -1 && axis != rank - 1) {
      throw new LayerShapeException(describe() + " normalizes the last axis only; axis " + axis + " of input "
          + Shapes.format(in) + " is not (Keras' axis=None or several axes are not supported)");
    }
    long channels = in.get(rank - 1);
    if (channels < 0) {
      throw new LayerShapeException(describe() + " needs a known last axis, got " + Shapes.format(in));
    }
    for (Values v : java.util.Arrays.asList(mean, variance)) {
      if (v != null && !v.scalar() && v.size() != 1 && v.size() != channels) {
        throw new LayerShapeException(describe() + " has " + v.size() + " values per channel, its input "
            + Shapes.format(in) + " has " + channels + " channels");
      }
    }
    return in;
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    if (mean != null) {
      return List.of();
    }
    Shape in = inputShapes.get(0);
    Shape channels = Shape.of(in.get(in.numDimensions() - 1));
    return List.of(WeightSpec.frozen("mean", channels, Initializer.ZEROS),
        WeightSpec.frozen("variance", channels, Initializer.ONES));
  }

  private static <T> T constant(Primitives<T> p, Values v) {
    return v.scalar() ? p.scalar(v.values()[0]) : p.constant(v.values(), v.size());
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T x = inputs.get(0);
    T m = mean != null ? constant(p, mean) : p.weight("mean");
    T var = variance != null ? constant(p, variance) : p.weight("variance");
    T std = p.binary(Primitives.Binary.MAXIMUM, p.unary(Primitives.Unary.SQRT, var), p.scalar(EPSILON));
    return invert ? p.add(m, p.multiply(x, std)) : p.binary(Primitives.Binary.DIVIDE, p.subtract(x, m), std);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("axis", axis).put("invert", invert)
        .put("mean", mean == null ? null : mean.written()).put("variance", variance == null ? null : variance.written());
  }

  private static Normalization fromConfig(Settings s) {
    s.requireOnly("axis", "invert", "mean", "variance");
    return new Normalization(null, s.has("axis") ? s.getInt("axis") : -1, s.has("invert") && s.getBoolean("invert"),
        Values.read(s, "mean", "Normalization"), Values.read(s, "variance", "Normalization"));
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public @Nullable Operand<TBool> outputMask(LayerContext context, List<Operand<TFloat32>> inputs,
      @Nullable Operand<TBool> inputMask) {
    return inputMask;
  }
}
