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

/** Removes rows and columns at the borders of channels-last 2-D input. */
public final class Cropping2D extends BaseLayer<Cropping2D> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Cropping2D> TYPE =
      LayerType.of("Cropping2D", Cropping2D.class, s -> new Cropping2D(null, Args.read(s, 4)));

  private final long[] args;

  private Cropping2D(@Nullable String name, long... args) {
    super(name, null);
    this.args = Args.nonNegative("Cropping2D", args);
  }

  public static Cropping2D of(int top, int bottom, int left, int right) {
    return new Cropping2D(null, top, bottom, left, right);
  }

  @Override
  protected Cropping2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Cropping2D(name, args);
  }

  @Override
  public String typeName() {
    return "Cropping2D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 4, "(batch, height, width, channels)").asArray();
    long[] out = in.clone();
    out[1] = in[1] - args[0] - args[1];
    out[2] = in[2] - args[2] - args[3];
    return Args.nonEmpty(describe(), args, in, out);
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    int[] in = ops.shape(inputs.get(0));
    return ops.slice(inputs.get(0), new int[] {(int) args[0], (int) args[2], 0},
        new int[] {in[0] - (int) args[0] - (int) args[1], in[1] - (int) args[2] - (int) args[3], in[2]});
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
