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

/** Adds rows and columns of zeros around channels-last 2-D input. */
public final class ZeroPadding2D extends BaseLayer<ZeroPadding2D> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<ZeroPadding2D> TYPE =
      LayerType.of("ZeroPadding2D", ZeroPadding2D.class, ZeroPadding2D::fromConfig);

  private final int top;
  private final int bottom;
  private final int left;
  private final int right;

  private ZeroPadding2D(@Nullable String name, int top, int bottom, int left, int right) {
    super(name, null);
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      throw new IllegalArgumentException("ZeroPadding2D amounts must be >= 0, got top " + top + ", bottom " + bottom
          + ", left " + left + ", right " + right);
    }
    this.top = top;
    this.bottom = bottom;
    this.left = left;
    this.right = right;
  }

  /** {@code padding} zeros on every side (Keras default 1). */
  public static ZeroPadding2D of(int padding) {
    return new ZeroPadding2D(null, padding, padding, padding, padding);
  }

  public static ZeroPadding2D of(int top, int bottom, int left, int right) {
    return new ZeroPadding2D(null, top, bottom, left, right);
  }

  @Override
  protected ZeroPadding2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new ZeroPadding2D(name, top, bottom, left, right);
  }

  @Override
  public String typeName() {
    return "ZeroPadding2D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 4, "(batch, height, width, channels)");
    return Shape.of(in.get(0), in.get(1) + top + bottom, in.get(2) + left + right, in.get(3));
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.pad(inputs.get(0), new int[] {top, left, 0}, new int[] {bottom, right, 0});
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("padding", java.util.List.of(top, bottom, left, right));
  }

  private static ZeroPadding2D fromConfig(Settings s) {
    long[] p = s.getLongs("padding");
    if (p.length != 4) {
      throw new IllegalArgumentException(s.owner() + ": padding needs 4 values (top, bottom, left, right)");
    }
    return ZeroPadding2D.of((int) p[0], (int) p[1], (int) p[2], (int) p[3]);
  }
}
