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

  /**
   * A weight the optimizer trains. (Named apart from the accessor {@link #trainable()}: a static
   * {@code trainable(...)} was callable through an instance and ignored it.)
   */
  public static WeightSpec ofTrainable(String name, Shape shape, Initializer initializer) {
    return new WeightSpec(name, shape, initializer, true);
  }

  /** A Glorot-uniform kernel and, if {@code useBias}, a zero bias of {@code units}: Dense and convolutions. */
  public static java.util.List<WeightSpec> kernelAndBias(Shape kernel, long units, boolean useBias) {
    WeightSpec k = ofTrainable("kernel", kernel, Initializer.GLOROT_UNIFORM);
    return useBias ? java.util.List.of(k, ofTrainable("bias", Shape.of(units), Initializer.ZEROS)) : java.util.List.of(k);
  }

  /** A weight the optimizer leaves alone (moving statistics). */
  public static WeightSpec frozen(String name, Shape shape, Initializer initializer) {
    return new WeightSpec(name, shape, initializer, false);
  }
}
