package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Element-wise minimum of two or more inputs of one shape. */
public final class Minimum extends Merge<Minimum> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Minimum> TYPE = LayerType.of("Minimum", Minimum.class, s -> of())
      .with(KerasForm.class, KerasForm.of("Minimum"));

  private Minimum(@Nullable String name) {
    super(name);
  }

  public static Minimum of() {
    return new Minimum(null);
  }

  @Override
  Minimum create(@Nullable String name) {
    return new Minimum(name);
  }

  @Override
  public String typeName() {
    return "Minimum";
  }

  @Override
  <T> T merge(Primitives<T> p, T soFar, T next) {
    return p.binary(Primitives.Binary.MINIMUM, soFar, next);
  }

  @Override
  MaskedValues maskedValues() {
    return MaskedValues.OTHER_SIDE;
  }
}
