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

/** Repeats every step {@code size} times (nearest). */
public final class UpSampling1D extends BaseLayer<UpSampling1D> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<UpSampling1D> TYPE =
      LayerType.of("UpSampling1D", UpSampling1D.class, s -> new UpSampling1D(null, Args.read(s, 1)));

  private final long[] args;

  private UpSampling1D(@Nullable String name, long... args) {
    super(name, null);
    this.args = Args.nonNegative("UpSampling1D", args);
  }

  public static UpSampling1D of(int size) {
    return new UpSampling1D(null, size);
  }

  @Override
  protected UpSampling1D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new UpSampling1D(name, args);
  }

  @Override
  public String typeName() {
    return "UpSampling1D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 3, "(batch, steps, features)").asArray();
    long[] out = in.clone();
    out[1] = in[1] * args[0];
    return Args.nonEmpty(describe(), args, in, out);
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    return ops.repeat(inputs.get(0), 0, Args.i(args[0]));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
