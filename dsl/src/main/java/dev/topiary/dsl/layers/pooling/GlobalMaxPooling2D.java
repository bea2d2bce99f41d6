package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Max over the spatial axes: {@code (batch, h, w, c) -> (batch, c)}. */
public final class GlobalMaxPooling2D extends BaseGlobalPooling<GlobalMaxPooling2D> implements dev.topiary.dsl.layers.LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GlobalMaxPooling2D> TYPE =
      LayerType.of("GlobalMaxPooling2D", GlobalMaxPooling2D.class, s -> of().keepDims(keepDims(s)));

  private GlobalMaxPooling2D(@Nullable String name, boolean keepDims) {
    super(name, keepDims, 4, "(batch, height, width, channels)");
  }

  public static GlobalMaxPooling2D of() {
    return new GlobalMaxPooling2D(null, false);
  }

  @Override
  GlobalMaxPooling2D create(@Nullable String name, boolean keepDims) {
    return new GlobalMaxPooling2D(name, keepDims);
  }

  @Override
  public String typeName() {
    return "GlobalMaxPooling2D";
  }

  @Override
  Primitives.Reduce reduction() {
    return Primitives.Reduce.MAX;
  }

  /** Saved with an empty argument list, as configs have always had. */
  @Override
  public Settings config() {
    return withKeepDims(Settings.of(typeName()).put("args", java.util.List.of()));
  }
}
