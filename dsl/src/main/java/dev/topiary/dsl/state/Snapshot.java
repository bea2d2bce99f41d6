package dev.topiary.dsl.state;

import dev.topiary.dsl.data.HostArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every variable of a model, by stable name, held in Java memory: layer weights
 * ({@code dense_kernel}), pruning state ({@code dense_kernel_prune_mask}, {@code _prune_threshold},
 * {@code _prune_updates}), the step ({@code global_step}) and optimizer slots
 * ({@code dense_kernel_adam_m}, {@code adam_beta1_power}). Moving a snapshot between models, graph or
 * eager, is bit-exact.
 */
public record Snapshot(Map<String, HostArray> variables) {
  public Snapshot {
    variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
  }

  public HostArray get(String name) {
    HostArray t = variables.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no variable '" + name + "' in this snapshot; it has " + new TreeSet<>(variables.keySet()));
    }
    return t;
  }

  public Set<String> names() {
    return variables.keySet();
  }

  /** The entries whose names pass {@code keep}. */
  public Snapshot filter(java.util.function.Predicate<String> keep) {
    Map<String, HostArray> out = new LinkedHashMap<>();
    variables.forEach((k, v) -> {
      if (keep.test(k)) {
        out.put(k, v);
      }
    });
    return new Snapshot(out);
  }

  /** This snapshot with {@code other}'s entries added or replacing these. */
  public Snapshot with(Snapshot other) {
    Map<String, HostArray> out = new LinkedHashMap<>(variables);
    out.putAll(other.variables);
    return new Snapshot(out);
  }
}
