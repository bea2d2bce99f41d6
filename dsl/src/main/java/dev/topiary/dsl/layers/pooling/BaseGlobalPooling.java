package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

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

  /** The reduction over the spatial axes. */
  abstract Primitives.Reduce reduction();

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

  /**
   * The pooling in primitives; the 2-D and 3-D layers are {@link LoweredLayer}s through it. The 1-D ones are
   * not: with a sequence mask only the real steps count, which primitives do not express.
   */
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.reduce(reduction(), inputs.get(0), axes(), false);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }
}
