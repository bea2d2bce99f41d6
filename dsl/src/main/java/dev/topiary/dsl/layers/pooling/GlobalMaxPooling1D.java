package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Max over every step (a mask is ignored, as in Keras 3): {@code (batch, steps, features) -> (batch, features)}. */
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

  /**
   * Every step, masked or not: Keras 3's GlobalMaxPooling1D does not support masking (it drops the mask
   * with a warning; tf.keras 2 refused it), unlike GlobalAveragePooling1D, and Keras' files are the
   * reference.
   */
  @Override
  Operand<TFloat32> reduceMasked(Ops tf, Operand<TFloat32> x, Operand<TFloat32> m) {
    return tf.max(x, tf.constant(1));
  }
}
