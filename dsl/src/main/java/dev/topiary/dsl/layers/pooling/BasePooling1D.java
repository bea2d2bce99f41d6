package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TFloat32;

/**
 * Pooling over the steps of {@code (batch, steps, features)}: window = stride = {@code size},
 * {@code valid} padding. Runs as 2-D pooling of height 1.
 */
public abstract class BasePooling1D<L extends BasePooling1D<L>> extends BaseLayer<L> {
  final int size;

  BasePooling1D(@Nullable String name, int size) {
    super(name, null);
    if (size < 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " size must be >= 1, got " + size);
    }
    this.size = size;
  }

  abstract L create(@Nullable String name);

  /** Pools {@code image} (batch, 1, steps, features) with a (1, size) window. */
  abstract Operand<TFloat32> pool(Ops tf, Operand<TFloat32> image);

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name);
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 3, "(batch, steps, features)").asArray();
    long[] out = in.clone();
    out[1] = in[1] / size;
    for (int i = 1; i < out.length; i++) {
      if (out[i] < 1) {
        throw new LayerShapeException(describe() + " [" + size + "] leaves nothing of input " + Shapes.format(Shape.of(in)));
      }
    }
    return Shape.of(out);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> image = tf.expandDims(inputs.get(0), tf.constant(1));
    return tf.squeeze(pool(tf, image), Squeeze.axis(List.of(1L)));
  }

  /** Saved as {@code "args": [size]}, as configs have always had. */
  @Override
  public Settings config() {
    return Settings.of(typeName()).put("args", List.of((long) size));
  }

  /** The size in a saved config. */
  static int size(Settings s) {
    long[] args = s.getLongs("args");
    if (args.length != 1) {
      throw new IllegalArgumentException(s.owner() + ": args needs 1 value (the pool size), got " + args.length);
    }
    return Math.toIntExact(args[0]);
  }
}
