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
 * (batch, channels)}, or with {@code keepDims} {@code (batch, 1, ..., 1, channels)}. Subclasses fix the
 * rank and the reduction.
 */
public abstract class BaseGlobalPooling<L extends BaseGlobalPooling<L>> extends BaseLayer<L> {
  private final int rank;
  private final String expected;
  final boolean keepDims;

  BaseGlobalPooling(@Nullable String name, boolean keepDims, int rank, String expected) {
    super(name, null);
    this.rank = rank;
    this.expected = expected;
    this.keepDims = keepDims;
  }

  abstract L create(@Nullable String name, boolean keepDims);

  /** A copy that keeps the pooled axes as size 1 (Keras' {@code keepdims}; squeeze-and-excitation blocks use it). */
  public L keepDims(boolean keepDims) {
    return create(name(), keepDims);
  }

  public boolean keepDims() {
    return keepDims;
  }

  /** The {@code keepdims} setting of a saved config (absent: false). */
  static boolean keepDims(Settings s) {
    return s.has("keepdims") && s.getBoolean("keepdims");
  }

  /** The reduction over the spatial axes. */
  abstract Primitives.Reduce reduction();

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name, keepDims);
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, rank, expected);
    if (!keepDims) {
      return Shape.of(in.get(0), in.get(rank - 1));
    }
    long[] dims = new long[rank];
    java.util.Arrays.fill(dims, 1);
    dims[0] = in.get(0);
    dims[rank - 1] = in.get(rank - 1);
    return Shape.of(dims);
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
    return p.reduce(reduction(), inputs.get(0), axes(), keepDims);
  }

  @Override
  public Settings config() {
    return withKeepDims(Settings.of(typeName()));
  }

  /** {@code s} with {@code keepdims} when on (absent when off, so older configs read as they did). */
  Settings withKeepDims(Settings s) {
    return keepDims ? s.put("keepdims", true) : s;
  }
}
