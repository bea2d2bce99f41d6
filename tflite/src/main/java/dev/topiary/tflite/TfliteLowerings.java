package dev.topiary.tflite;

import dev.topiary.dsl.layers.Layer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The open registry of {@link TfliteLowering}s for layer types the writer has no lowering of its own
 * for. Matched by exact class, like the built-in lowerings (a subclass may compute something else).
 * The built-in layer types cannot be overridden.
 *
 * <pre>{@code
 * TfliteLowerings.register(ScaledDense.class, (layer, ctx) -> { ... ctx.output(...); });
 * }</pre>
 */
public final class TfliteLowerings {
  private static final Map<Class<?>, TfliteLowering<?>> REGISTERED = new ConcurrentHashMap<>();

  private TfliteLowerings() {}

  /**
   * Registers (or replaces) the lowering for layers of exactly {@code type}.
   *
   * @throws IllegalArgumentException if {@code type} is one the writer lowers itself
   */
  public static <L extends Layer> void register(Class<L> type, TfliteLowering<? super L> lowering) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(lowering, "lowering");
    if (Lowering.isBuiltIn(type)) {
      throw new IllegalArgumentException(type.getName() + " is lowered by the writer itself: " + Lowering.SUPPORTED);
    }
    REGISTERED.put(type, lowering);
  }

  /** Whether a lowering is registered for exactly {@code type}. */
  public static boolean isRegistered(Class<? extends Layer> type) {
    return REGISTERED.containsKey(type);
  }

  @SuppressWarnings("unchecked")
  static @Nullable TfliteLowering<Layer> find(Class<?> type) {
    return (TfliteLowering<Layer>) REGISTERED.get(type);
  }
}
