package dev.topiary.dsl.layers.reshaping;

import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/** Adds {@code padding} zeros on both sides of depth, height and width of {@code (batch, d, h, w, c)}. */
public final class ZeroPadding3D extends BaseLayer<ZeroPadding3D> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<ZeroPadding3D> TYPE =
      LayerType.of("ZeroPadding3D", ZeroPadding3D.class, s -> of(s.getInt("size")));

  private final int padding;

  private ZeroPadding3D(@Nullable String name, int padding) {
    super(name, null);
    if (padding < 0) {
      throw new IllegalArgumentException("ZeroPadding3D padding must be >= 0, got " + padding);
    }
    this.padding = padding;
  }

  public static ZeroPadding3D of(int padding) {
    return new ZeroPadding3D(null, padding);
  }

  @Override
  protected ZeroPadding3D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new ZeroPadding3D(name, padding);
  }

  @Override
  public String typeName() {
    return "ZeroPadding3D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] out = requireRank(inputShapes, 5, "(batch, depth, height, width, channels)").asArray();
    for (int i = 1; i <= 3; i++) {
      out[i] += 2L * padding;
    }
    return Shape.of(out);
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.pad(inputs.get(0), new int[] {padding, padding, padding, 0}, new int[] {padding, padding, padding, 0});
  }

  /** The settings layout 3-D layers have always been saved with ({@code size} is the padding). */
  @Override
  public Settings config() {
    return Settings.of(typeName()).put("size", padding).put("filters", 0).put("strides", 1).put("padding", "valid")
        .put("activation", "linear");
  }
}
