package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.config.Settings;
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
 * InceptionResNetV2's {@code CustomScaleLayer} (Keras Applications,
 * {@code keras.src.applications.inception_resnet_v2}): the shortcut plus the scaled residual,
 * {@code inputs[0] + inputs[1] * scale}, as Keras computes it.
 */
public final class CustomScaleLayer extends BaseLayer<CustomScaleLayer> implements LoweredLayer {
  /** The type: Keras Applications' {@code CustomScaleLayer} with its {@code scale}. */
  public static final LayerType<CustomScaleLayer> TYPE =
      LayerType.of("CustomScaleLayer", CustomScaleLayer.class, CustomScaleLayer::fromConfig)
          .with(KerasForm.class, KerasForm.of("CustomScaleLayer", "scale"));

  private final double scale;

  private CustomScaleLayer(@Nullable String name, double scale) {
    super(name, null);
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("CustomScaleLayer scale must be finite, got " + scale);
    }
    this.scale = scale;
  }

  /** {@code shortcut + residual * scale}. */
  public static CustomScaleLayer of(double scale) {
    return new CustomScaleLayer(null, scale);
  }

  @Override
  protected CustomScaleLayer copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new CustomScaleLayer(name, scale);
  }

  @Override
  public String typeName() {
    return "CustomScaleLayer";
  }

  @Override
  public int inputCount() {
    return 2;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    requireInputs(inputShapes, 2);
    Shape a = inputShapes.get(0);
    Shape b = inputShapes.get(1);
    if (a.numDimensions() != b.numDimensions() || !a.isCompatibleWith(b)) {
      throw new LayerShapeException(describe() + " needs a shortcut and a residual of one shape, got " + Shapes.format(a)
          + " and " + Shapes.format(b));
    }
    return a;
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.add(inputs.get(0), p.multiply(inputs.get(1), p.scalar((float) scale)));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("scale", scale);
  }

  private static CustomScaleLayer fromConfig(Settings s) {
    s.requireOnly("scale");
    return new CustomScaleLayer(null, s.getDouble("scale"));
  }
}
