package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import org.jspecify.annotations.Nullable;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Element-wise sum of two or more inputs of the same shape. */
public final class Add extends BaseLayer<Add> {
  private Add(@Nullable String name) {
    super(name, null);
  }

  public static Add of() {
    return new Add(null);
  }

  @Override
  protected Add copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Add(name);
  }

  @Override
  public String typeName() {
    return "Add";
  }

  @Override
  public int inputCount() {
    return -1;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    return requireSameShapes(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return context.tf().math.addN(inputs);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }

  static Add fromConfig(Settings s) {
    return Add.of();
  }
}
