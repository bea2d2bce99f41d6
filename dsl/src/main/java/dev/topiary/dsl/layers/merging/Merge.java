package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;

import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * Element-wise merges of two or more inputs of one rank, broadcasting axes of size 1 (Keras'
 * {@code Merge} base): the inputs are folded left to right with {@link #merge}; no settings, no weights.
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

  /**
   * Inputs of one rank whose axes are equal or 1, broadcast as Keras 3's merges do: a squeeze-and-excitation
   * block multiplies {@code (batch, h, w, c)} by {@code (batch, 1, 1, c)}.
   */
  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    if (inputShapes.size() < 2) {
      throw new LayerShapeException(describe() + " needs at least 2 inputs, got " + inputShapes.size());
    }
    Shape first = inputShapes.get(0);
    long[] out = first.asArray().clone();
    for (Shape s : inputShapes) {
      if (s.numDimensions() != first.numDimensions()) {
        throw new LayerShapeException(describe() + " needs inputs of one rank, got " + Shapes.format(first) + " and "
            + Shapes.format(s));
      }
      for (int i = 1; i < out.length; i++) {
        long d = s.get(i);
        if (out[i] == 1 || out[i] < 0) {
          out[i] = d == 1 && out[i] < 0 ? out[i] : d;
        } else if (d != 1 && d >= 0 && d != out[i]) {
          throw new LayerShapeException(describe() + " needs inputs whose axes are equal or 1 (broadcast), got "
              + Shapes.format(first) + " and " + Shapes.format(s));
        }
      }
    }
    return Shape.of(out);
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
