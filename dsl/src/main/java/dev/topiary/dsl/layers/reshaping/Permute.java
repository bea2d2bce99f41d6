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

/** Permutes the non-batch axes; {@code dims} are 1-based as in Keras, e.g. (2, 1). */
public final class Permute extends BaseLayer<Permute> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Permute> TYPE =
      LayerType.of("Permute", Permute.class, s -> new Permute(null, Args.read(s, -1)));

  private final long[] args;

  private Permute(@Nullable String name, long... args) {
    super(name, null);
    this.args = Args.nonNegative("Permute", args);
  }

  /** Permutes the non-batch axes; {@code dims} are 1-based as in Keras, e.g. (2, 1). */
  public static Permute of(int... dims) {
    long[] d = java.util.Arrays.stream(dims).asLongStream().toArray();
    long[] sorted = d.clone();
    java.util.Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      if (sorted[i] != i + 1) {
        throw new IllegalArgumentException("Permute dims must be a permutation of 1.." + dims.length + ", got "
            + java.util.Arrays.toString(dims));
      }
    }
    return new Permute(null, d);
  }

  @Override
  protected Permute copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Permute(name, args);
  }

  @Override
  public String typeName() {
    return "Permute";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, args.length + 1, "of rank " + (args.length + 1)).asArray();
    long[] out = in.clone();
    for (int i = 0; i < args.length; i++) {
      out[i + 1] = in[(int) args[i]];
    }
    return Args.nonEmpty(describe(), args, in, out);
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    int[] perm = new int[args.length];
    for (int i = 0; i < args.length; i++) {
      perm[i] = (int) args[i] - 1; // Keras numbers the example axes from 1
    }
    return ops.transpose(inputs.get(0), perm);
  }

  @Override
  public Settings config() {
    return Args.settings(typeName(), args);
  }
}
