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

/** Adds {@code start} and {@code end} steps of zeros to {@code (batch, steps, features)}. */
public final class ZeroPadding1D extends BaseLayer<ZeroPadding1D> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<ZeroPadding1D> TYPE =
      LayerType.of("ZeroPadding1D", ZeroPadding1D.class, s -> new ZeroPadding1D(null, Args.read(s, 2)));

  private final long[] args;

  private ZeroPadding1D(@Nullable String name, long... args) {
    super(name, null);
    this.args = Args.nonNegative("ZeroPadding1D", args);
  }

  public static ZeroPadding1D of(int start, int end) {
    return new ZeroPadding1D(null, start, end);
  }

  @Override
  protected ZeroPadding1D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new ZeroPadding1D(name, args);
  }

  @Override
  public String typeName() {
    return "ZeroPadding1D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 3, "(batch, steps, features)").asArray();
    long[] out = in.clone();
    out[1] = in[1] + args[0] + args[1];
    return Args.nonEmpty(describe(), args, in, out);
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.pad(inputs.get(0), new int[] {(int) args[0], 0}, new int[] {(int) args[1], 0});
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
