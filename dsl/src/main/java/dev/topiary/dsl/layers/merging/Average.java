package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Element-wise mean of two or more inputs of one shape. */
public final class Average extends Merge<Average> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Average> TYPE = LayerType.of("Average", Average.class, s -> of())
      .with(KerasForm.class, KerasForm.of("Average"));

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
  <T> T merge(Primitives<T> p, T soFar, T next) {
    return p.add(soFar, next);
  }

  /** The sum, then one division by the input count. */
  /** The sum divided by the number of inputs, as Keras 3 computes it. */
  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return p.binary(Primitives.Binary.DIVIDE, super.lower(p, inputs), p.scalar(inputs.size()));
  }
}
