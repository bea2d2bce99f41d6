package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Element-wise maximum of two or more inputs of one shape. */
public final class Maximum extends Merge<Maximum> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Maximum> TYPE = LayerType.of("Maximum", Maximum.class, s -> of())
      .with(KerasForm.class, KerasForm.of("Maximum"));

  private Maximum(@Nullable String name) {
    super(name);
  }

  public static Maximum of() {
    return new Maximum(null);
  }

  @Override
  Maximum create(@Nullable String name) {
    return new Maximum(name);
  }

  @Override
  public String typeName() {
    return "Maximum";
  }

  @Override
  <T> T merge(Primitives<T> p, T soFar, T next) {
    return p.binary(Primitives.Binary.MAXIMUM, soFar, next);
  }

  @Override
  MaskedValues maskedValues() {
    return MaskedValues.OTHER_SIDE;
  }
}
