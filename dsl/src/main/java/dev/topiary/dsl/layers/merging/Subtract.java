package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** {@code first - second}, for exactly two inputs of one shape. */
public final class Subtract extends Merge<Subtract> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Subtract> TYPE = LayerType.of("Subtract", Subtract.class, s -> of())
      .with(KerasForm.class, KerasForm.of("Subtract"));

  private Subtract(@Nullable String name) {
    super(name);
  }

  public static Subtract of() {
    return new Subtract(null);
  }

  @Override
  Subtract create(@Nullable String name) {
    return new Subtract(name);
  }

  @Override
  public String typeName() {
    return "Subtract";
  }

  @Override
  <T> T merge(Primitives<T> p, T soFar, T next) {
    return p.subtract(soFar, next);
  }

  @Override
  public int inputCount() {
    return 2;
  }
}
