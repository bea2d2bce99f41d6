package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Element-wise minimum of two or more inputs of one shape. */
public final class Minimum extends Merge<Minimum> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Minimum> TYPE = LayerType.of("Minimum", Minimum.class, s -> of());

  private Minimum(@Nullable String name) {
    super(name);
  }

  public static Minimum of() {
    return new Minimum(null);
  }

  @Override
  Minimum create(@Nullable String name) {
    return new Minimum(name);
  }

  @Override
  public String typeName() {
    return "Minimum";
  }

  @Override
  Operand<TFloat32> merge(Ops tf, Operand<TFloat32> soFar, Operand<TFloat32> next) {
    return tf.math.minimum(soFar, next);
  }
}
