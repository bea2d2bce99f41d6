package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import org.jspecify.annotations.Nullable;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Mean over the spatial axes: {@code (batch, h, w, c) -> (batch, c)}. */
public final class GlobalAveragePooling2D extends BaseLayer<GlobalAveragePooling2D> {
  private GlobalAveragePooling2D(@Nullable String name) {
    super(name, null);
  }

  public static GlobalAveragePooling2D of() {
    return new GlobalAveragePooling2D(null);
  }

  @Override
  protected GlobalAveragePooling2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new GlobalAveragePooling2D(name);
  }

  @Override
  public String typeName() {
    return "GlobalAveragePooling2D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 4, "(batch, height, width, channels)");
    return Shape.of(in.get(0), in.get(3));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return context.tf().math.mean(inputs.get(0), context.tf().constant(new int[] {1, 2}));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }

  static GlobalAveragePooling2D fromConfig(Settings s) {
    return GlobalAveragePooling2D.of();
  }
}
