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

/** Repeats a vector: {@code (batch, features) -> (batch, n, features)}. */
public final class RepeatVector extends BaseLayer<RepeatVector> {
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
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    return tf.tile(tf.expandDims(x, tf.constant(1)), tf.constant(new int[] {1, Args.i(args[0]), 1}));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
