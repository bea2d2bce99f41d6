package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Element-wise merges of two or more inputs of one shape (Keras' {@code Merge} base): the inputs are
 * folded left to right with {@link #merge}; no settings, no weights.
 */
public abstract class Merge<L extends Merge<L>> extends BaseLayer<L> {
  Merge(@Nullable String name) {
    super(name, null);
  }

  abstract L create(@Nullable String name);

  /** One fold step: the result so far with the next input. */
  abstract Operand<TFloat32> merge(Ops tf, Operand<TFloat32> soFar, Operand<TFloat32> next);

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name);
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
    Ops tf = context.tf();
    Operand<TFloat32> out = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      out = merge(tf, out, inputs.get(i));
    }
    return out;
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }
}
