package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Max over the spatial axes: {@code (batch, h, w, c) -> (batch, c)}. */
public final class GlobalMaxPooling2D extends BaseGlobalPooling<GlobalMaxPooling2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GlobalMaxPooling2D> TYPE =
      LayerType.of("GlobalMaxPooling2D", GlobalMaxPooling2D.class, s -> of());

  private GlobalMaxPooling2D(@Nullable String name) {
    super(name, 4, "(batch, height, width, channels)");
  }

  public static GlobalMaxPooling2D of() {
    return new GlobalMaxPooling2D(null);
  }

  @Override
  GlobalMaxPooling2D create(@Nullable String name) {
    return new GlobalMaxPooling2D(name);
  }

  @Override
  public String typeName() {
    return "GlobalMaxPooling2D";
  }

  @Override
  Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> x, Operand<TInt32> axes) {
    return tf.max(x, axes);
  }

  /** Saved with an empty argument list, as configs have always had. */
  @Override
  public Settings config() {
    return Settings.of(typeName()).put("args", java.util.List.of());
  }
}
