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

/** Removes {@code start} and {@code end} steps of {@code (batch, steps, features)}. */
public final class Cropping1D extends BaseLayer<Cropping1D> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Cropping1D> TYPE =
      LayerType.of("Cropping1D", Cropping1D.class, s -> new Cropping1D(null, Args.read(s, 2)));

  private final long[] args;

  private Cropping1D(@Nullable String name, long... args) {
    super(name, null);
    this.args = Args.nonNegative("Cropping1D", args);
  }

  public static Cropping1D of(int start, int end) {
    return new Cropping1D(null, start, end);
  }

  @Override
  protected Cropping1D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Cropping1D(name, args);
  }

  @Override
  public String typeName() {
    return "Cropping1D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 3, "(batch, steps, features)").asArray();
    long[] out = in.clone();
    out[1] = in[1] - args[0] - args[1];
    return Args.nonEmpty(describe(), args, in, out);
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    int[] in = ops.shape(inputs.get(0));
    return ops.slice(inputs.get(0), new int[] {(int) args[0], 0},
        new int[] {in[0] - (int) args[0] - (int) args[1], in[1]});
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
