package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Element-wise mean of two or more inputs of one shape. */
public final class Average extends Merge<Average> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Average> TYPE = LayerType.of("Average", Average.class, s -> of());

  private Average(@Nullable String name) {
    super(name);
  }

  public static Average of() {
    return new Average(null);
  }

  @Override
  Average create(@Nullable String name) {
    return new Average(name);
  }

  @Override
  public String typeName() {
    return "Average";
  }

  @Override
  Operand<TFloat32> merge(Ops tf, Operand<TFloat32> soFar, Operand<TFloat32> next) {
    return tf.math.add(soFar, next);
  }

  /** The sum, then one division by the input count. */
  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return context.tf().math.div(super.call(context, inputs), context.tf().constant((float) inputs.size()));
  }
}
