package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Element-wise sum of two or more inputs of one shape (one AddN). */
public final class Add extends Merge<Add> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Add> TYPE = LayerType.of("Add", Add.class, s -> of())
      .with(KerasForm.class, KerasForm.of("Add"));

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
  <T> T merge(Primitives<T> p, T soFar, T next) {
    return p.add(soFar, next);
  }

}
