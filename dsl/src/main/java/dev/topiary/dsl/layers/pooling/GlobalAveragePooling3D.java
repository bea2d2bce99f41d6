package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Mean over the volume: {@code (batch, d, h, w, c) -> (batch, c)}. */
public final class GlobalAveragePooling3D extends BaseGlobalPooling<GlobalAveragePooling3D> implements dev.topiary.dsl.layers.LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GlobalAveragePooling3D> TYPE =
      LayerType.of("GlobalAveragePooling3D", GlobalAveragePooling3D.class, s -> of().keepDims(keepDims(s)));

  private GlobalAveragePooling3D(@Nullable String name, boolean keepDims) {
    super(name, keepDims, 5, "(batch, depth, height, width, channels)");
  }

  public static GlobalAveragePooling3D of() {
    return new GlobalAveragePooling3D(null, false);
  }

  @Override
  GlobalAveragePooling3D create(@Nullable String name, boolean keepDims) {
    return new GlobalAveragePooling3D(name, keepDims);
  }

  @Override
  public String typeName() {
    return "GlobalAveragePooling3D";
  }

  @Override
  Primitives.Reduce reduction() {
    return Primitives.Reduce.MEAN;
  }

  /** The settings layout 3-D layers have always been saved with (all fixed). */
  @Override
  public Settings config() {
    return withKeepDims(Settings.of(typeName()).put("size", 0).put("filters", 0).put("strides", 1)
        .put("padding", "valid").put("activation", "linear"));
  }
}
