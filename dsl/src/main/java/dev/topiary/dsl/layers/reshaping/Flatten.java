package dev.topiary.dsl.layers.reshaping;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** {@code (batch, d1, d2, ...) -> (batch, d1 * d2 * ...)}, row-major as Keras. */
public final class Flatten extends BaseLayer<Flatten> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Flatten> TYPE = LayerType.of("Flatten", Flatten.class, Flatten::fromConfig)
      .with(KerasForm.class, KerasForm.of("Flatten").withRequired("data_format", "channels_last"));

  private Flatten(@Nullable String name) {
    super(name, null);
  }

  public static Flatten of() {
    return new Flatten(null);
  }

  @Override
  protected Flatten copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Flatten(name);
  }

  @Override
  public String typeName() {
    return "Flatten";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    requireInputs(inputShapes, 1);
    Shape in = inputShapes.get(0);
    for (long d : Shapes.withoutBatch(in)) {
      if (d < 0) {
        throw new LayerShapeException(describe() + " needs known non-batch dimensions, got " + Shapes.format(in));
      }
    }
    return Shapes.batchOf(Shapes.exampleSize(in));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    long size = Shapes.exampleSize(inputs.get(0).shape());
    return context.tf().reshape(inputs.get(0), context.tf().constant(new long[] {-1, size}));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }

  private static Flatten fromConfig(Settings s) {
    return Flatten.of();
  }
}
