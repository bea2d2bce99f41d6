package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Mean over the spatial axes: {@code (batch, h, w, c) -> (batch, c)}. */
public final class GlobalAveragePooling2D extends BaseGlobalPooling<GlobalAveragePooling2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GlobalAveragePooling2D> TYPE =
      LayerType.of("GlobalAveragePooling2D", GlobalAveragePooling2D.class, s -> of());

  private GlobalAveragePooling2D(@Nullable String name) {
    super(name, 4, "(batch, height, width, channels)");
  }

  public static GlobalAveragePooling2D of() {
    return new GlobalAveragePooling2D(null);
  }

  @Override
  GlobalAveragePooling2D create(@Nullable String name) {
    return new GlobalAveragePooling2D(name);
  }

  @Override
  public String typeName() {
    return "GlobalAveragePooling2D";
  }

  @Override
  Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> x, Operand<TInt32> axes) {
    return tf.math.mean(x, axes);
  }
}
