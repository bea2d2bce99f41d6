package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PruningSchedule;
import java.lang.reflect.Array;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * Base of the built-in layers: the name and pruning settings every layer carries, and their
 * immutable withers. {@code L} is the concrete layer type, so {@code Dense.of(10).named("logits")}
 * is still a {@code Dense}.
 */
public abstract class BaseLayer<L extends BaseLayer<L>> implements Layer {
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.\\-]*");

  private final @Nullable String name;
  private final @Nullable PruningSpec pruning;

  protected BaseLayer(@Nullable String name, @Nullable PruningSpec pruning) {
    this.name = name;
    this.pruning = pruning;
  }

  /** A copy with another name and pruning and every other setting unchanged. */
  protected abstract L copy(@Nullable String name, @Nullable PruningSpec pruning);

  @Override
  public final @Nullable String name() {
    return name;
  }

  @Override
  public final Optional<PruningSpec> pruning() {
    return Optional.ofNullable(pruning);
  }

  /** A copy named {@code name} (letters, digits, '_', '.', '-'; starting with a letter). */
  public L named(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid layer name '" + name + "': use letters, digits, '_', '.' or '-', starting with a letter");
    }
    return copy(name, pruning);
  }

  /**
   * A copy whose prunable weights are pruned as {@code spec} says.
   *
   * @throws IllegalArgumentException if this layer has no prunable weights
   */
  @Override
  public L withPruning(PruningSpec spec) {
    if (spec == null) {
      throw new IllegalArgumentException("pruning spec of " + describe() + " must not be null");
    }
    if (prunableWeights().isEmpty()) {
      throw new IllegalArgumentException(
          describe() + " has no prunable weights; only layers with kernels or embeddings can be pruned");
    }
    return copy(name, spec);
  }

  /** A copy pruned with unstructured magnitude pruning along {@code schedule}. */
  public L prunable(PruningSchedule schedule) {
    return withPruning(PruningSpec.of(schedule));
  }

  /** A copy pruned as {@code spec} says (block or m-by-n options). */
  public L prunable(PruningSpec spec) {
    return withPruning(spec);
  }

  @Override
  public L withoutPruning() {
    return copy(name, null);
  }

  /** "layer 'conv' (Conv2D)" or "a Conv2D layer" when unnamed: for messages. */
  public String describe() {
    return name != null ? "layer '" + name + "' (" + typeName() + ")" : "a " + typeName() + " layer";
  }

  /** Fails with a message naming this layer and the shapes unless exactly {@code count} inputs came. */
  protected void requireInputs(List<Shape> shapes, int count) {
    if (shapes.size() != count) {
      throw new LayerShapeException(describe() + " takes " + count + " input(s), got " + shapes.size());
    }
  }

  /** The single input's shape, for layers that keep it (activations, dropout). */
  protected Shape sameShape(List<Shape> shapes) {
    requireInputs(shapes, 1);
    return shapes.get(0);
  }

  /** For element-wise merges: at least two inputs, all of one shape; returns that shape. */
  protected Shape requireSameShapes(List<Shape> shapes) {
    if (shapes.size() < 2) {
      throw new LayerShapeException(describe() + " needs at least 2 inputs, got " + shapes.size());
    }
    Shape first = shapes.get(0);
    for (Shape s : shapes) {
      if (!s.isCompatibleWith(first) || s.numDimensions() != first.numDimensions()) {
        throw new LayerShapeException(describe() + " needs inputs of one shape, got " + Shapes.format(first)
            + " and " + Shapes.format(s));
      }
    }
    return first;
  }

  /** Fails unless the single input has {@code rank} dimensions (batch included). */
  protected Shape requireRank(List<Shape> shapes, int rank, String expected) {
    requireInputs(shapes, 1);
    Shape in = shapes.get(0);
    if (in.numDimensions() != rank) {
      throw new LayerShapeException(describe() + " expects input of shape " + expected + ", got " + Shapes.format(in));
    }
    return in;
  }

  /**
   * The layer type with its settings, name and pruning, e.g. {@code Dense(units=10, activation=relu,
   * use_bias=true, name=logits, pruning=PruningSpec(ConstantSparsity(...), magnitude))}. Built from
   * {@link #config()} (the settings a saved model records), so every layer type gets it without its
   * own {@code toString}; a layer whose {@code config()} is not implemented shows name and pruning only.
   */
  @Override
  public String toString() {
    StringJoiner parts = new StringJoiner(", ", typeName() + "(", ")");
    try {
      config().asMap().forEach((key, value) -> parts.add(key + "=" + format(value)));
    } catch (RuntimeException e) {
      // A custom layer without config() (or one that cannot describe itself yet): toString must not
      // throw, and name and pruning still say which layer this is.
    }
    if (name != null) {
      parts.add("name=" + name);
    }
    if (pruning != null) {
      parts.add("pruning=" + pruning);
    }
    return parts.toString();
  }

  /** A config value for toString: nested settings as their map, lists and arrays by element. */
  private static String format(@Nullable Object value) {
    if (value instanceof Settings nested) {
      return format(nested.asMap());
    }
    if (value instanceof Map<?, ?> map) {
      StringJoiner j = new StringJoiner(", ", "{", "}");
      map.forEach((k, v) -> j.add(k + "=" + format(v)));
      return j.toString();
    }
    if (value instanceof Collection<?> list) {
      StringJoiner j = new StringJoiner(", ", "[", "]");
      list.forEach(v -> j.add(format(v)));
      return j.toString();
    }
    if (value != null && value.getClass().isArray()) {
      StringJoiner j = new StringJoiner(", ", "[", "]");
      for (int i = 0; i < Array.getLength(value); i++) {
        j.add(format(Array.get(value, i)));
      }
      return j.toString();
    }
    return String.valueOf(value);
  }
}
