package dev.topiary.dsl.layers.reshaping;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Removes rows and columns at the borders of channels-last 2-D input. */
public final class Cropping2D extends BaseLayer<Cropping2D> {
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
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] out = outputShape(List.of(x.shape())).asArray();
    out[0] = -1;
    // int32 begin and size: TF's Slice gradient subtracts them from an int32 shape.
    return tf.slice(x, tf.constant(new int[] {0, (int) args[0], (int) args[2], 0}),
        tf.constant(new int[] {-1, (int) out[1], (int) out[2], -1}));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
