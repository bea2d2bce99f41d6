package dev.topiary.dsl;

import dev.topiary.dsl.layers.Layer;
import dev.topiary.ops.PruningSpec;
import java.util.Arrays;
import java.util.Set;

/**
 * Chooses which layers a whole-model prune marks. The policy sees only layers that have prunable
 * weights, with their position among those layers ({@code index} of {@code count}).
 */
@FunctionalInterface
public interface PruningPolicy {

  boolean shouldPrune(Layer layer, String name, int index, int count);

  /** Every layer with prunable weights. */
  static PruningPolicy all() {
    return (layer, name, index, count) -> true;
  }

  /** Only layers that are instances of one of {@code types} (subclasses included), e.g. only Dense. */
  @SafeVarargs
  static PruningPolicy only(Class<? extends Layer>... types) {
    return (layer, name, index, count) -> Arrays.stream(types).anyMatch(t -> t.isInstance(layer));
  }

  /** Every prunable layer except the first and the last (usually the input conv and the classifier). */
  static PruningPolicy exceptFirstAndLast() {
    return (layer, name, index, count) -> index > 0 && index < count - 1;
  }

  /**
   * Only the layers with these names. {@link ModelSpec#prunedWith(PruningSpec, PruningPolicy)} refuses
   * a name that matches no layer, or a layer without prunable weights, listing the model's layers.
   */
  static PruningPolicy named(String... names) {
    return new Named(Set.of(names));
  }

  /** The policy {@link #named} makes: the names are checked against the model when it is applied. */
  record Named(Set<String> names) implements PruningPolicy {
    public Named {
      if (names.isEmpty()) {
        throw new IllegalArgumentException("PruningPolicy.named needs at least one layer name");
      }
      names = Set.copyOf(names);
    }

    @Override
    public boolean shouldPrune(Layer layer, String name, int index, int count) {
      return names.contains(name);
    }

    @Override
    public String toString() {
      return "PruningPolicy.named(" + String.join(", ", new java.util.TreeSet<>(names)) + ")";
    }
  }
}
