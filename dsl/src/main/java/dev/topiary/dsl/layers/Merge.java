package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Element-wise merges of inputs of one shape: Multiply, Subtract (two inputs), Average, Maximum, Minimum. */
public final class Merge extends BaseLayer<Merge> {
  /** The merge operation, by Keras class name. */
  public enum Kind {
    MULTIPLY("Multiply"), SUBTRACT("Subtract"), AVERAGE("Average"), MAXIMUM("Maximum"), MINIMUM("Minimum");

    final String typeName;

    Kind(String typeName) {
      this.typeName = typeName;
    }
  }

  private final Kind kind;

  private Merge(@Nullable String name, Kind kind) {
    super(name, null);
    this.kind = kind;
  }

  public static Merge multiply() {
    return new Merge(null, Kind.MULTIPLY);
  }

  /** {@code first - second}. */
  public static Merge subtract() {
    return new Merge(null, Kind.SUBTRACT);
  }

  public static Merge average() {
    return new Merge(null, Kind.AVERAGE);
  }

  public static Merge maximum() {
    return new Merge(null, Kind.MAXIMUM);
  }

  public static Merge minimum() {
    return new Merge(null, Kind.MINIMUM);
  }

  @Override
  protected Merge copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Merge(name, kind);
  }

  @Override
  public String typeName() {
    return kind.typeName;
  }

  @Override
  public int inputCount() {
    return kind == Kind.SUBTRACT ? 2 : -1;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    return requireSameShapes(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> out = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      Operand<TFloat32> x = inputs.get(i);
      out = switch (kind) {
        case MULTIPLY -> tf.math.mul(out, x);
        case SUBTRACT -> tf.math.sub(out, x);
        case AVERAGE -> tf.math.add(out, x);
        case MAXIMUM -> tf.math.maximum(out, x);
        case MINIMUM -> tf.math.minimum(out, x);
      };
    }
    return kind == Kind.AVERAGE ? tf.math.div(out, tf.constant((float) inputs.size())) : out;
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }

  static void register() {
    for (Kind k : Kind.values()) {
      dev.topiary.dsl.config.ConfigRegistry.registerLayer(k.typeName, s -> new Merge(null, k));
    }
  }
}
