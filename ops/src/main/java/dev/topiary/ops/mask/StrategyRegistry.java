package dev.topiary.ops.mask;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Mask strategies by config name, so that a saved model names its strategy and its parameters, and
 * loading gives the same strategy back. Built-ins: {@code magnitude}, {@code block} (rows, cols,
 * pooling) and {@code m_by_n} (m, n). Register your own before saving or loading models that use it:
 *
 * <pre>{@code
 * StrategyRegistry.register("min_magnitude", MinMagnitude.class,
 *     s -> Map.of("minimum", s.minimum()), c -> new MinMagnitude((float) c.getDouble("minimum")));
 * }</pre>
 *
 * <p>A strategy is written by its exact class (a subclass of a registered class is not registered).
 * Writing an unregistered strategy and reading an unknown name both fail: a model never loads with
 * another strategy than the one it was saved with.
 */
public final class StrategyRegistry {
  /** The key of the config name in a written strategy; parameters may not use it. */
  public static final String TYPE = "type";

  private record Codec<S extends MaskStrategy>(
      String name, Class<S> type, Function<? super S, Map<String, ?>> write,
      Function<StrategyConfig, ? extends S> read) {
    Map<String, ?> writeAny(MaskStrategy s) {
      return write.apply(type.cast(s));
    }
  }

  private static final Map<String, Codec<?>> BY_NAME = new ConcurrentHashMap<>();
  private static final Map<Class<?>, Codec<?>> BY_TYPE = new ConcurrentHashMap<>();

  static {
    register("magnitude", MagnitudeStrategy.class, s -> Map.of(), c -> MagnitudeStrategy.INSTANCE);
    register("block", BlockStrategy.class,
        s -> ordered("rows", s.rows(), "cols", s.cols(), "pooling", s.pooling().name()),
        c -> new BlockStrategy(c.getInt("rows"), c.getInt("cols"), BlockPooling.parse(c.getString("pooling"))));
    register("m_by_n", MByNStrategy.class, s -> ordered("m", s.m(), "n", s.n()),
        c -> new MByNStrategy(c.getInt("m"), c.getInt("n")));
  }

  private StrategyRegistry() {}

  /**
   * Saves strategies of exactly {@code type} under {@code name}: {@code write} gives their parameters
   * (numbers, strings, booleans), {@code read} builds one back from them. Registering the same name
   * and class again replaces the codec.
   *
   * @throws IllegalArgumentException if the name is blank or already used by another class, or the
   *     class is already registered under another name
   */
  public static synchronized <S extends MaskStrategy> void register(
      String name, Class<S> type, Function<? super S, Map<String, ?>> write, Function<StrategyConfig, ? extends S> read) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a mask strategy's config name must not be blank, got '" + name + "'");
    }
    Codec<?> byName = BY_NAME.get(name);
    if (byName != null && byName.type() != type) {
      throw new IllegalArgumentException("mask strategy name '" + name + "' is already registered for "
          + byName.type().getName() + ", cannot register " + type.getName());
    }
    Codec<?> byType = BY_TYPE.get(type);
    if (byType != null && !byType.name().equals(name)) {
      throw new IllegalArgumentException("mask strategy " + type.getName() + " is already registered as '"
          + byType.name() + "', cannot register it as '" + name + "'");
    }
    Codec<S> codec = new Codec<>(name, type, write, read);
    BY_NAME.put(name, codec);
    BY_TYPE.put(type, codec);
  }

  /** The config names known now. */
  public static Set<String> names() {
    return new TreeSet<>(BY_NAME.keySet());
  }

  /** Whether {@code strategy} can be written (its exact class is registered). */
  public static boolean isRegistered(MaskStrategy strategy) {
    return BY_TYPE.containsKey(strategy.getClass());
  }

  /**
   * {@code strategy} as {@code {"type": name, parameters...}}.
   *
   * @throws UnsupportedOperationException if its class is not registered, naming the strategy
   */
  public static Map<String, Object> write(MaskStrategy strategy) {
    Codec<?> codec = BY_TYPE.get(strategy.getClass());
    if (codec == null) {
      throw new UnsupportedOperationException("mask strategy " + strategy + " (" + strategy.getClass().getName()
          + ") is not registered: call StrategyRegistry.register to save models that use it");
    }
    Map<String, ?> parameters = codec.writeAny(strategy);
    if (parameters.containsKey(TYPE)) {
      throw new IllegalStateException("mask strategy '" + codec.name() + "' writes a parameter named '" + TYPE
          + "', which is reserved for the strategy's name");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(TYPE, codec.name());
    out.putAll(parameters);
    return out;
  }

  /**
   * The strategy a config written by {@link #write} describes; {@code owner} names where it comes
   * from (layer, file) in errors.
   *
   * @throws IllegalArgumentException naming the owner and the unknown name, or the bad parameter
   */
  public static MaskStrategy read(Map<String, ?> config, String owner) {
    StrategyConfig c = new StrategyConfig(owner, config);
    String name = c.getString(TYPE);
    Codec<?> codec = BY_NAME.get(name);
    if (codec == null) {
      throw new IllegalArgumentException(owner + ": unknown mask strategy '" + name + "'; register custom"
          + " strategies with StrategyRegistry.register before loading (known: " + names() + ")");
    }
    return codec.read().apply(c);
  }

  private static Map<String, ?> ordered(Object... keysAndValues) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return out;
  }
}
