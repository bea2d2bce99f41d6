package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Element-wise maximum of two or more inputs of one shape. */
public final class Maximum extends Merge<Maximum> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Maximum> TYPE = LayerType.of("Maximum", Maximum.class, s -> of());

  private Maximum(@Nullable String name) {
    super(name);
  }

  public static Maximum of() {
    return new Maximum(null);
  }

  @Override
  Maximum create(@Nullable String name) {
    return new Maximum(name);
  }

  @Override
  public String typeName() {
    return "Maximum";
  }

  @Override
  Operand<TFloat32> merge(Ops tf, Operand<TFloat32> soFar, Operand<TFloat32> next) {
    return tf.math.maximum(soFar, next);
  }
}
