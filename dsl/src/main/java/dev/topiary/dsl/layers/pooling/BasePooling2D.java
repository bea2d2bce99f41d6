package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Pooling over channels-last 2-D input. Keras defaults: strides = pool size, {@code valid} padding.
 */
public abstract class BasePooling2D<L extends BasePooling2D<L>> extends BaseLayer<L> {
  final int poolRows;
  final int poolCols;
  final int strideRows;
  final int strideCols;
  final Padding padding;

  BasePooling2D(@Nullable String name, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding) {
    super(name, null);
    if (poolRows < 1 || poolCols < 1 || strideRows < 1 || strideCols < 1) {
      throw new IllegalArgumentException("pool size and strides must be >= 1, got pool " + poolRows + "x" + poolCols
          + ", strides " + strideRows + "x" + strideCols);
    }
    this.poolRows = poolRows;
    this.poolCols = poolCols;
    this.strideRows = strideRows;
    this.strideCols = strideCols;
    this.padding = padding == null ? Padding.VALID : padding;
  }

  abstract L create(@Nullable String name, int poolRows, int poolCols, int strideRows, int strideCols, Padding padding);

  /** Pools {@code x} with the layer's window, strides and padding. */
  abstract Operand<TFloat32> pool(Ops tf, Operand<TFloat32> x);

  public L poolSize(int rows, int cols) {
    return create(name(), rows, cols, strideRows, strideCols, padding);
  }

  public L strides(int rows, int cols) {
    return create(name(), poolRows, poolCols, rows, cols, padding);
  }

  public L padding(Padding padding) {
    return create(name(), poolRows, poolCols, strideRows, strideCols, padding);
  }

  public int poolRows() {
    return poolRows;
  }

  public int poolCols() {
    return poolCols;
  }

  public int strideRows() {
    return strideRows;
  }

  public int strideCols() {
    return strideCols;
  }

  public Padding padding() {
    return padding;
  }

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name, poolRows, poolCols, strideRows, strideCols, padding);
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
    return pool(context.tf(), inputs.get(0));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("pool_size", List.of(poolRows, poolCols))
        .put("strides", List.of(strideRows, strideCols))
        .put("padding", padding.name().toLowerCase(Locale.ROOT));
  }

  static <L extends BasePooling2D<L>> L read(L layer, Settings s) {
    long[] p = s.getLongs("pool_size");
    long[] st = s.getLongs("strides");
    if (p.length != 2 || st.length != 2) {
      throw new IllegalArgumentException(s.owner() + ": pool_size and strides need 2 values each");
    }
    return layer.create(null, (int) p[0], (int) p[1], (int) st[0], (int) st[1], Padding.parse(s.getString("padding")));
  }
}
