package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
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
 * ConvNeXt's {@code LayerScale} (Keras Applications, {@code keras.src.applications.convnext}): multiplies
 * the last axis by a trained {@code gamma} of {@code projection_dim} values, which start at
 * {@code init_values}. Gamma is one factor per channel, not a connection, so it is not pruned.
 */
public final class LayerScale extends BaseLayer<LayerScale> implements LoweredLayer {
  /** The type: Keras Applications' {@code LayerScale} with its {@code init_values} and {@code projection_dim}. */
  public static final LayerType<LayerScale> TYPE = LayerType.of("LayerScale", LayerScale.class, LayerScale::fromConfig)
      .with(KerasForm.class, KerasForm.of("LayerScale", "init_values", "projection_dim"));

  private final double initValues;
  private final int projectionDim;

  private LayerScale(@Nullable String name, double initValues, int projectionDim) {
    super(name, null);
    if (projectionDim < 1) {
      throw new IllegalArgumentException("LayerScale projection_dim must be >= 1, got " + projectionDim);
    }
    if (!Double.isFinite(initValues)) {
      throw new IllegalArgumentException("LayerScale init_values must be finite, got " + initValues);
    }
    this.initValues = initValues;
    this.projectionDim = projectionDim;
  }

  /** Scales {@code projectionDim} channels, gamma starting at {@code initValues} (ConvNeXt: 1e-6). */
  public static LayerScale of(double initValues, int projectionDim) {
    return new LayerScale(null, initValues, projectionDim);
  }

  @Override
  protected LayerScale copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new LayerScale(name, initValues, projectionDim);
  }

  @Override
  public String typeName() {
    return "LayerScale";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    if (in.numDimensions() < 2 || in.get(in.numDimensions() - 1) != projectionDim) {
      throw new LayerShapeException(describe() + " scales " + projectionDim + " channels, its input is " + Shapes.format(in));
    }
    return in;
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return List.of(WeightSpec.ofTrainable("gamma", Shape.of(projectionDim), Initializer.constant((float) initValues)));
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.multiply(inputs.get(0), p.weight("gamma"));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("init_values", initValues).put("projection_dim", projectionDim);
  }

  private static LayerScale fromConfig(Settings s) {
    s.requireOnly("init_values", "projection_dim");
    return new LayerScale(null, s.getDouble("init_values"), s.getInt("projection_dim"));
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public @Nullable Operand<TBool> outputMask(LayerContext context, List<Operand<TFloat32>> inputs,
      @Nullable Operand<TBool> inputMask) {
    return inputMask;
  }
}
