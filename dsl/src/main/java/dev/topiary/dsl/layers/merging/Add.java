package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Element-wise sum of two or more inputs of one shape (one AddN). */
public final class Add extends Merge<Add> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Add> TYPE = LayerType.of("Add", Add.class, s -> of());

  private Add(@Nullable String name) {
    super(name);
  }

  public static Add of() {
    return new Add(null);
  }

  @Override
  Add create(@Nullable String name) {
    return new Add(name);
  }

  @Override
  public String typeName() {
    return "Add";
  }

  @Override
  Operand<TFloat32> merge(Ops tf, Operand<TFloat32> soFar, Operand<TFloat32> next) {
    return tf.math.add(soFar, next);
  }

  /** One AddN over all inputs. */
  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return context.tf().math.addN(inputs);
  }
}
