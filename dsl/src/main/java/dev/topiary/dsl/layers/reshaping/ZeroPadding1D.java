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

/** Adds {@code start} and {@code end} steps of zeros to {@code (batch, steps, features)}. */
public final class ZeroPadding1D extends BaseLayer<ZeroPadding1D> {
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
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    return tf.pad(x, tf.constant(new long[][] {{0, 0}, {args[0], args[1]}, {0, 0}}), tf.constant(0f));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
