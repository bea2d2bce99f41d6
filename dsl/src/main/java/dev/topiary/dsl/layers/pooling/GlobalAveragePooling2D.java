package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Mean over the spatial axes: {@code (batch, h, w, c) -> (batch, c)}. */
public final class GlobalAveragePooling2D extends BaseGlobalPooling<GlobalAveragePooling2D> implements dev.topiary.dsl.layers.LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GlobalAveragePooling2D> TYPE =
      LayerType.of("GlobalAveragePooling2D", GlobalAveragePooling2D.class, s -> of().keepDims(keepDims(s)));

  private GlobalAveragePooling2D(@Nullable String name, boolean keepDims) {
    super(name, keepDims, 4, "(batch, height, width, channels)");
  }

  public static GlobalAveragePooling2D of() {
    return new GlobalAveragePooling2D(null, false);
  }

  @Override
  GlobalAveragePooling2D create(@Nullable String name, boolean keepDims) {
    return new GlobalAveragePooling2D(name, keepDims);
  }

  @Override
  public String typeName() {
    return "GlobalAveragePooling2D";
  }

  @Override
  Primitives.Reduce reduction() {
    return Primitives.Reduce.MEAN;
  }
}
