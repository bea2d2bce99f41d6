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
 * Pooling over {@code (batch, depth, height, width, channels)} with a cubic window; stride = window
 * and {@code valid} padding unless set.
 */
public abstract class BasePooling3D<L extends BasePooling3D<L>> extends BaseLayer<L> {
  final int size;
  final int stride;
  final Padding padding;

  BasePooling3D(@Nullable String name, int size, int stride, Padding padding) {
    super(name, null);
    if (size < 1 || stride < 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " sizes must be positive, got size " + size
          + ", stride " + stride);
    }
    this.size = size;
    this.stride = stride;
    this.padding = padding;
  }

  abstract L create(@Nullable String name, int stride, Padding padding);

  /** Pools {@code x} with these window and strides (both per axis, batch and channels 1). */
  abstract Operand<TFloat32> pool(Ops tf, Operand<TFloat32> x, List<Long> window, List<Long> strides);

  public L strides(int stride) {
    return create(name(), stride, padding);
  }

  public L padding(Padding padding) {
    return create(name(), stride, padding);
  }

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name, stride, padding);
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 5, "(batch, depth, height, width, channels)").asArray();
    long[] out = in.clone();
    for (int i = 1; i <= 3; i++) {
      out[i] = Shapes.windowOutput(in[i], size, stride, 1, padding);
      if (out[i] < 1) {
        throw new LayerShapeException(describe() + " with size " + size + " does not fit input " + Shapes.format(Shape.of(in)));
      }
    }
    return Shape.of(out);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return pool(context.tf(), inputs.get(0), List.of(1L, (long) size, (long) size, (long) size, 1L),
        List.of(1L, (long) stride, (long) stride, (long) stride, 1L));
  }

  /** The settings layout 3-D layers have always been saved with (no filters, linear). */
  @Override
  public Settings config() {
    return Settings.of(typeName()).put("size", size).put("filters", 0).put("strides", stride)
        .put("padding", padding.name().toLowerCase(Locale.ROOT)).put("activation", "linear");
  }

  static <L extends BasePooling3D<L>> L read(L layer, Settings s) {
    return layer.create(null, s.getInt("strides"), Padding.parse(s.getString("padding")));
  }
}
