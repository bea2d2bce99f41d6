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

/** Repeats a vector: {@code (batch, features) -> (batch, n, features)}. */
public final class RepeatVector extends BaseLayer<RepeatVector> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<RepeatVector> TYPE =
      LayerType.of("RepeatVector", RepeatVector.class, s -> new RepeatVector(null, Args.read(s, 1)));

  private final long[] args;

  private RepeatVector(@Nullable String name, long... args) {
    super(name, null);
    this.args = Args.nonNegative("RepeatVector", args);
  }

  /** (batch, features) -> (batch, n, features). */
  public static RepeatVector of(int n) {
    return new RepeatVector(null, n);
  }

  @Override
  protected RepeatVector copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new RepeatVector(name, args);
  }

  @Override
  public String typeName() {
    return "RepeatVector";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 2, "(batch, features)").asArray();
    long[] out = in.clone();
    out = new long[] {in[0], args[0], in[1]};
    return Args.nonEmpty(describe(), args, in, out);
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    int features = ops.shape(inputs.get(0))[0];
    return ops.tile(ops.reshape(inputs.get(0), 1, features), Args.i(args[0]), 1);
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
