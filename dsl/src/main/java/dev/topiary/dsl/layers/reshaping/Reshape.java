package dev.topiary.dsl.layers.reshaping;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Reshapes each example to {@code targetShape} (batch dimension excluded; one entry may be -1). */
public final class Reshape extends BaseLayer<Reshape> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Reshape> TYPE = LayerType.of("Reshape", Reshape.class, Reshape::fromConfig)
      .with(KerasForm.class, KerasForm.of("Reshape", "target_shape"));

  private final long[] target;

  private Reshape(@Nullable String name, long[] target) {
    super(name, null);
    int unknown = 0;
    for (long d : target) {
      if (d == -1) {
        unknown++;
      } else if (d < 1) {
        throw new IllegalArgumentException("Reshape target " + Arrays.toString(target) + " has an invalid dimension " + d);
      }
    }
    if (unknown > 1) {
      throw new IllegalArgumentException("Reshape target " + Arrays.toString(target) + " may hold at most one -1");
    }
    this.target = target.clone();
  }

  public static Reshape of(long... targetShape) {
    return new Reshape(null, targetShape);
  }

  @Override
  protected Reshape copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Reshape(name, target);
  }

  @Override
  public String typeName() {
    return "Reshape";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    requireInputs(inputShapes, 1);
    Shape in = inputShapes.get(0);
    long size = Shapes.exampleSize(in);
    long known = 1;
    for (long d : target) {
      known *= d == -1 ? 1 : d;
    }
    long[] out = target.clone();
    for (int i = 0; i < out.length; i++) {
      if (out[i] == -1) {
        out[i] = size % known == 0 ? size / known : -2;
      }
    }
    long product = 1;
    for (long d : out) {
      product *= d;
    }
    if (product != size) {
      throw new LayerShapeException(describe() + " cannot reshape input " + Shapes.format(in) + " ("
          + size + " values per example) to " + Arrays.toString(target));
    }
    return Shapes.batchOf(out);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    long[] full = new long[target.length + 1];
    full[0] = -1;
    long[] resolved = Shapes.withoutBatch(outputShape(List.of(inputs.get(0).shape())));
    System.arraycopy(resolved, 0, full, 1, resolved.length);
    return context.tf().reshape(inputs.get(0), context.tf().constant(full));
  }

  @Override
  public Settings config() {
    java.util.List<Long> dims = new java.util.ArrayList<>();
    for (long d : target) {
      dims.add(d);
    }
    return Settings.of(typeName()).put("target_shape", dims);
  }

  private static Reshape fromConfig(Settings s) {
    return Reshape.of(s.getLongs("target_shape"));
  }
}
