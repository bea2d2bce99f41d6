package dev.topiary.dsl.layers.preprocessing;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code Rescaling} layer: {@code x * scale + offset}, each a number or one value per channel
 * (last axis), as MobileNetV3 and EfficientNet scale pixels ({@code 1 / 255}, or {@code 1 / 127.5} and
 * {@code -1}).
 */
public final class Rescaling extends BaseLayer<Rescaling> implements LoweredLayer {
  /** The type: Keras' {@code Rescaling} with its {@code scale} and {@code offset}. */
  public static final LayerType<Rescaling> TYPE = LayerType.of("Rescaling", Rescaling.class, Rescaling::fromConfig)
      .with(KerasForm.class, KerasForm.of("Rescaling", "scale", "offset"));

  private final Values scale;
  private final Values offset;

  private Rescaling(@Nullable String name, Values scale, Values offset) {
    super(name, null);
    for (Values v : List.of(scale, offset)) {
      for (float f : v.values()) {
        if (!Float.isFinite(f)) {
          throw new IllegalArgumentException("Rescaling scale and offset must be finite, got " + f);
        }
      }
    }
    this.scale = scale;
    this.offset = offset;
  }

  /** {@code x * scale + offset}. */
  public static Rescaling of(double scale, double offset) {
    return new Rescaling(null, new Values(new float[] {(float) scale}, true), new Values(new float[] {(float) offset}, true));
  }

  /** {@code x * scale}. */
  public static Rescaling of(double scale) {
    return of(scale, 0);
  }

  /** One scale and one offset per channel (last axis). */
  public static Rescaling perChannel(float[] scale, float[] offset) {
    return new Rescaling(null, new Values(scale.clone(), false), new Values(offset.clone(), false));
  }

  @Override
  protected Rescaling copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Rescaling(name, scale, offset);
  }

  @Override
  public String typeName() {
    return "Rescaling";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    long channels = in.get(in.numDimensions() - 1);
    for (Values v : List.of(scale, offset)) {
      if (!v.scalar() && v.size() != 1 && v.size() != channels) {
        throw new LayerShapeException(describe() + " has " + v.size() + " values per channel, its input "
            + Shapes.format(in) + " has " + channels + " channels");
      }
    }
    return in;
  }

  private static <T> T constant(Primitives<T> p, Values v) {
    return v.scalar() ? p.scalar(v.values()[0]) : p.constant(v.values(), v.size());
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.add(p.multiply(inputs.get(0), constant(p, scale)), constant(p, offset));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("scale", scale.written()).put("offset", offset.written());
  }

  private static Rescaling fromConfig(Settings s) {
    s.requireOnly("scale", "offset");
    Values scale = Values.read(s, "scale", "Rescaling");
    if (scale == null) {
      throw new IllegalArgumentException("Rescaling needs a scale");
    }
    Values offset = Values.read(s, "offset", "Rescaling");
    return new Rescaling(null, scale, offset != null ? offset : new Values(new float[] {0f}, true));
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public @Nullable Operand<TBool> outputMask(LayerContext context, List<Operand<TFloat32>> inputs,
      @Nullable Operand<TBool> inputMask) {
    return inputMask;
  }
}
