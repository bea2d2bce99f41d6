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

/** Removes {@code start} and {@code end} steps of {@code (batch, steps, features)}. */
public final class Cropping1D extends BaseLayer<Cropping1D> {
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
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] out = outputShape(List.of(x.shape())).asArray();
    out[0] = -1;
    // int32 begin and size: TF's Slice gradient subtracts them from an int32 shape.
    return tf.slice(x, tf.constant(new int[] {0, (int) args[0], 0}), tf.constant(new int[] {-1, (int) out[1], -1}));
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
