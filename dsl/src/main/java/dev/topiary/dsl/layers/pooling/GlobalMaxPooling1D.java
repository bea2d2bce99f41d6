package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Max over the (unmasked) steps: {@code (batch, steps, features) -> (batch, features)}. */
public final class GlobalMaxPooling1D extends BaseGlobalPooling1D<GlobalMaxPooling1D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GlobalMaxPooling1D> TYPE =
      LayerType.of("GlobalMaxPooling1D", GlobalMaxPooling1D.class, s -> of().keepDims(keepDims(s)));

  private GlobalMaxPooling1D(@Nullable String name, boolean keepDims) {
    super(name, keepDims);
  }

  public static GlobalMaxPooling1D of() {
    return new GlobalMaxPooling1D(null, false);
  }

  @Override
  GlobalMaxPooling1D create(@Nullable String name, boolean keepDims) {
    return new GlobalMaxPooling1D(name, keepDims);
  }

  @Override
  public String typeName() {
    return "GlobalMaxPooling1D";
  }

  @Override
  Primitives.Reduce reduction() {
    return Primitives.Reduce.MAX;
  }

  /** Masked steps are pushed far below any real value, so the max only sees real steps. */
  @Override
  Operand<TFloat32> reduceMasked(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    Operand<TFloat32> pushedDown = tf.math.sub(x, tf.math.mul(tf.math.sub(tf.constant(1f), m), tf.constant(1e9f)));
    return tf.max(pushedDown, tf.constant(1));
  }
}
