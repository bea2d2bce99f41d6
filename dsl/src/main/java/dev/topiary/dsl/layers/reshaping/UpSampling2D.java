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

/** Repeats rows and columns (nearest) of channels-last 2-D input. */
public final class UpSampling2D extends BaseLayer<UpSampling2D> {
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
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] in = x.shape().asArray();
    long[] out = outputShape(List.of(x.shape())).asArray();
    out[0] = -1;
    return tf.reshape(
        tf.tile(tf.reshape(x, tf.constant(new long[] {-1, in[1], 1, in[2], 1, in[3]})),
            tf.constant(new int[] {1, 1, Args.i(args[0]), 1, Args.i(args[1]), 1})),
        tf.constant(out));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
