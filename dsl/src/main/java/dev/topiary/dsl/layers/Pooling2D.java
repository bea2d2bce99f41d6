package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import org.jspecify.annotations.Nullable;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Max or average pooling over channels-last 2-D input. Keras defaults: strides = pool size,
 * {@code valid} padding.
 */
public final class Pooling2D extends BaseLayer<Pooling2D> {
  /** Which summary of the window the layer outputs. */
  public enum Kind { MAX, AVERAGE }

  private final Kind kind;
  private final int poolRows;
  private final int poolCols;
  private final int strideRows;
  private final int strideCols;
  private final Padding padding;

  private Pooling2D(@Nullable String name, Kind kind, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding) {
    super(name, null);
    if (poolRows < 1 || poolCols < 1 || strideRows < 1 || strideCols < 1) {
      throw new IllegalArgumentException("pool size and strides must be >= 1, got pool " + poolRows + "x" + poolCols
          + ", strides " + strideRows + "x" + strideCols);
    }
    this.kind = kind;
    this.poolRows = poolRows;
    this.poolCols = poolCols;
    this.strideRows = strideRows;
    this.strideCols = strideCols;
    this.padding = padding == null ? Padding.VALID : padding;
  }

  /** Keras {@code MaxPooling2D(pool_size=size)}. */
  public static Pooling2D max(int size) {
    return new Pooling2D(null, Kind.MAX, size, size, size, size, Padding.VALID);
  }

  /** Keras {@code AveragePooling2D(pool_size=size)}. */
  public static Pooling2D average(int size) {
    return new Pooling2D(null, Kind.AVERAGE, size, size, size, size, Padding.VALID);
  }

  public Pooling2D poolSize(int rows, int cols) {
    return new Pooling2D(name(), kind, rows, cols, strideRows, strideCols, padding);
  }

  public Pooling2D strides(int rows, int cols) {
    return new Pooling2D(name(), kind, poolRows, poolCols, rows, cols, padding);
  }

  public Pooling2D padding(Padding padding) {
    return new Pooling2D(name(), kind, poolRows, poolCols, strideRows, strideCols, padding);
  }

  @Override
  protected Pooling2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Pooling2D(name, kind, poolRows, poolCols, strideRows, strideCols, padding);
  }

  @Override
  public String typeName() {
    return kind == Kind.MAX ? "MaxPooling2D" : "AveragePooling2D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 4, "(batch, height, width, channels)");
    long h = Shapes.windowOutput(in.get(1), poolRows, strideRows, 1, padding);
    long w = Shapes.windowOutput(in.get(2), poolCols, strideCols, 1, padding);
    if (h < 1 || w < 1) {
      throw new LayerShapeException(describe() + " with pool " + poolRows + "x" + poolCols + " does not fit input "
          + Shapes.format(in));
    }
    return Shape.of(in.get(0), h, w, in.get(3));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    List<Long> window = List.of(1L, (long) poolRows, (long) poolCols, 1L);
    List<Long> strides = List.of(1L, (long) strideRows, (long) strideCols, 1L);
    if (kind == Kind.MAX) {
      return tf.nn.maxPool(inputs.get(0), tf.constant(new int[] {1, poolRows, poolCols, 1}),
          tf.constant(new int[] {1, strideRows, strideCols, 1}), padding.name());
    }
    return tf.nn.avgPool(inputs.get(0), window, strides, padding.name());
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("pool_size", java.util.List.of(poolRows, poolCols))
        .put("strides", java.util.List.of(strideRows, strideCols))
        .put("padding", padding.name().toLowerCase(java.util.Locale.ROOT));
  }

  static Pooling2D fromConfig(Kind kind, Settings s) {
    long[] p = s.getLongs("pool_size");
    long[] st = s.getLongs("strides");
    if (p.length != 2 || st.length != 2) {
      throw new IllegalArgumentException(s.owner() + ": pool_size and strides need 2 values each");
    }
    return new Pooling2D(null, kind, (int) p[0], (int) p[1], (int) st[0], (int) st[1],
        Padding.parse(s.getString("padding")));
  }
}
