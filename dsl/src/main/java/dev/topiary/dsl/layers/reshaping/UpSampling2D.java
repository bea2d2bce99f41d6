package dev.topiary.dsl.layers.reshaping;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/** Repeats rows and columns (nearest) of channels-last 2-D input. */
public final class UpSampling2D extends BaseLayer<UpSampling2D> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<UpSampling2D> TYPE =
      LayerType.of("UpSampling2D", UpSampling2D.class, s -> new UpSampling2D(null, Args.read(s, 2)));

  private final long[] args;

  private UpSampling2D(@Nullable String name, long... args) {
    super(name, null);
    this.args = Args.nonNegative("UpSampling2D", args);
  }

  public static UpSampling2D of(int rows, int cols) {
    return new UpSampling2D(null, rows, cols);
  }

  @Override
  protected UpSampling2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new UpSampling2D(name, args);
  }

  @Override
  public String typeName() {
    return "UpSampling2D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 4, "(batch, height, width, channels)").asArray();
    long[] out = in.clone();
    out[1] = in[1] * args[0];
    out[2] = in[2] * args[1];
    return Args.nonEmpty(describe(), args, in, out);
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    return ops.repeat(ops.repeat(inputs.get(0), 0, Args.i(args[0])), 1, Args.i(args[1]));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
