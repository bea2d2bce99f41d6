package dev.topiary.dsl.layers;

import java.util.Objects;
import org.tensorflow.ndarray.Shape;

/**
 * One weight of a layer: its short name within the layer ({@code kernel}, {@code bias}), shape,
 * initial values and whether the optimizer trains it (moving statistics are not trained).
 */
public record WeightSpec(String name, Shape shape, Initializer initializer, boolean trainable) {
  public WeightSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(initializer, "initializer");
    if (shape.hasUnknownDimension()) {
      throw new IllegalArgumentException("weight '" + name + "' needs a fully known shape, got " + shape);
    }
  }

  public static WeightSpec trainable(String name, Shape shape, Initializer initializer) {
    return new WeightSpec(name, shape, initializer, true);
  }

  public static WeightSpec frozen(String name, Shape shape, Initializer initializer) {
    return new WeightSpec(name, shape, initializer, false);
  }
}
