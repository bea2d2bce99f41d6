package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Mean over the (unmasked) steps: {@code (batch, steps, features) -> (batch, features)}. */
public final class GlobalAveragePooling1D extends BaseGlobalPooling1D<GlobalAveragePooling1D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GlobalAveragePooling1D> TYPE =
      LayerType.of("GlobalAveragePooling1D", GlobalAveragePooling1D.class, s -> of().keepDims(keepDims(s)));

  private GlobalAveragePooling1D(@Nullable String name, boolean keepDims) {
    super(name, keepDims);
  }

  public static GlobalAveragePooling1D of() {
    return new GlobalAveragePooling1D(null, false);
  }

  @Override
  GlobalAveragePooling1D create(@Nullable String name, boolean keepDims) {
    return new GlobalAveragePooling1D(name, keepDims);
  }

  @Override
  public String typeName() {
    return "GlobalAveragePooling1D";
  }

  @Override
  Primitives.Reduce reduction() {
    return Primitives.Reduce.MEAN;
  }

  @Override
  Operand<TFloat32> reduceMasked(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    Operand<TFloat32> count = tf.math.maximum(tf.sum(m, tf.constant(1)), tf.constant(1f));
    return tf.math.div(tf.sum(tf.math.mul(x, m), tf.constant(1)), count);
  }
}
