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

/** Repeats every step {@code size} times (nearest). */
public final class UpSampling1D extends BaseLayer<UpSampling1D> {
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
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] out = outputShape(List.of(x.shape())).asArray();
    out[0] = -1;
    return tf.reshape(tf.tile(tf.expandDims(x, tf.constant(2)), tf.constant(new int[] {1, 1, Args.i(args[0]), 1})),
        tf.constant(out));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
