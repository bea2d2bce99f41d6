package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A mean or max over every axis between the batch and the channels: {@code (batch, ..., channels) ->
 * (batch, channels)}. Subclasses fix the rank and the reduction.
 */
public abstract class BaseGlobalPooling<L extends BaseGlobalPooling<L>> extends BaseLayer<L> {
  private final int rank;
  private final String expected;

  BaseGlobalPooling(@Nullable String name, int rank, String expected) {
    super(name, null);
    this.rank = rank;
    this.expected = expected;
  }

  abstract L create(@Nullable String name);

  /** The reduction over {@code axes}. */
  abstract Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> x, Operand<org.tensorflow.types.TInt32> axes);

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name);
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, rank, expected);
    return Shape.of(in.get(0), in.get(rank - 1));
  }

  /** The spatial axes, 1 .. rank - 2. */
  int[] axes() {
    int[] axes = new int[rank - 2];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return axes;
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    return reduce(tf, inputs.get(0), tf.constant(axes()));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }
}
