package dev.topiary.dsl.layers.reshaping;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Adds {@code padding} zeros on both sides of depth, height and width of {@code (batch, d, h, w, c)}. */
public final class ZeroPadding3D extends BaseLayer<ZeroPadding3D> {
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
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    int p = padding;
    return tf.pad(inputs.get(0), tf.constant(new int[][] {{0, 0}, {p, p}, {p, p}, {p, p}, {0, 0}}), tf.constant(0f));
  }

  /** The settings layout 3-D layers have always been saved with ({@code size} is the padding). */
  @Override
  public Settings config() {
    return Settings.of(typeName()).put("size", padding).put("filters", 0).put("strides", 1).put("padding", "valid")
        .put("activation", "linear");
  }
}
