package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * Element-wise merges of two or more inputs of one shape (Keras' {@code Merge} base): the inputs are
 * folded left to right with {@link #merge}; no settings, no weights.
 */
public abstract class Merge<L extends Merge<L>> extends BaseLayer<L> implements LoweredLayer {
  Merge(@Nullable String name) {
    super(name, null);
  }

  abstract L create(@Nullable String name);

  /** One fold step: the result so far with the next input. */
  abstract <T> T merge(Primitives<T> p, T soFar, T next);

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

  /** The inputs folded left to right, as Keras 3's merge layers do (so Add is a chain of adds, not AddN). */
  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T out = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      out = merge(p, out, inputs.get(i));
    }
    return out;
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }
}
