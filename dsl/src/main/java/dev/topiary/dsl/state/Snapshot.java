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

  /**
   * {@code Snapshot(5 variables, 1234 values: dense_kernel float32[8, 4], dense_bias float32[4], ...)}:
   * the first few names with their types, then how many more.
   */
  @Override
  public String toString() {
    long values = 0;
    for (HostArray a : variables.values()) {
      long size = 1;
      for (long d : a.shape()) {
        size *= d;
      }
      values += size;
    }
    StringBuilder b = new StringBuilder("Snapshot(").append(variables.size())
        .append(variables.size() == 1 ? " variable, " : " variables, ").append(values).append(" values");
    int shown = 0;
    for (Map.Entry<String, HostArray> e : variables.entrySet()) {
      if (shown == 6) {
        b.append(", ... ").append(variables.size() - shown).append(" more");
        break;
      }
      b.append(shown == 0 ? ": " : ", ").append(e.getKey()).append(' ').append(e.getValue().typeName());
      shown++;
    }
    return b.append(')').toString();
  }
}
