package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Element-wise product of two or more inputs of one shape. */
public final class Multiply extends Merge<Multiply> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Multiply> TYPE = LayerType.of("Multiply", Multiply.class, s -> of())
      .with(KerasForm.class, KerasForm.of("Multiply"));

  private Multiply(@Nullable String name) {
    super(name);
  }

  public static Multiply of() {
    return new Multiply(null);
  }

  @Override
  Multiply create(@Nullable String name) {
    return new Multiply(name);
  }

  @Override
  public String typeName() {
    return "Multiply";
  }

  @Override
  <T> T merge(Primitives<T> p, T soFar, T next) {
    return p.multiply(soFar, next);
  }

  @Override
  MaskedValues maskedValues() {
    return MaskedValues.ONE_THEN_ZERO;
  }
}
