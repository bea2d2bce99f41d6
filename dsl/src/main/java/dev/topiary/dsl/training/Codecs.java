package dev.topiary.dsl.training;

import dev.topiary.dsl.config.Settings;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Config names of one kind of value (optimizers, losses, metrics): how each registered class, or
 * constant, is written as settings and read back. Writing an unregistered value or reading an unknown
 * name fails naming it; nothing falls back to a default.
 */
final class Codecs<T> {
  static final String TYPE = "type";

  /** Either every value of exactly {@code type}, or the single {@code constant}. */
  private record Codec<T>(String name, Class<?> type, @Nullable T constant, Function<T, Settings> write,
      Function<Settings, ? extends T> read) {
    boolean writes(T value) {
      return constant != null ? constant.equals(value) : value.getClass() == type;
    }
  }

  private final String kind;
  private final String register;
  private final Map<String, Codec<T>> byName = new ConcurrentHashMap<>();

  /** {@code kind} names the values in messages; {@code register} is the method users call. */
  Codecs(String kind, String register) {
    this.kind = kind;
    this.register = register;
  }

  @SuppressWarnings("unchecked")
  <S extends T> void register(String name, Class<S> type, Function<? super S, Settings> write,
      Function<Settings, ? extends S> read) {
    add(new Codec<>(name, type, null, v -> write.apply((S) v), read));
  }

  void registerConstant(String name, T constant) {
    add(new Codec<>(name, constant.getClass(), constant, v -> Settings.of(name), s -> constant));
  }

  private synchronized void add(Codec<T> codec) {
    if (codec.name() == null || codec.name().isBlank()) {
      throw new IllegalArgumentException("a " + kind + "'s config name must not be blank");
    }
    Codec<T> old = byName.get(codec.name());
    if (old != null && (old.type() != codec.type() || !Objects.equals(old.constant(), codec.constant()))) {
      throw new IllegalArgumentException(kind + " name '" + codec.name() + "' is already registered for "
          + (old.constant() != null ? old.constant() : old.type().getName()));
    }
    for (Codec<T> other : byName.values()) {
      boolean sameTarget = codec.constant() != null ? other.writes(codec.constant())
          : other.constant() == null && other.type() == codec.type();
      if (sameTarget && !other.name().equals(codec.name())) {
        throw new IllegalArgumentException(kind + " " + (codec.constant() != null ? codec.constant() : codec.type().getName())
            + " is already registered as '" + other.name() + "'");
      }
    }
    byName.put(codec.name(), codec);
  }

  TreeSet<String> names() {
    return new TreeSet<>(byName.keySet());
  }

  /**
   * {@code value} as settings {@code {"type": name, ...}}.
   *
   * @throws UnsupportedOperationException if it is not registered
   */
  Settings write(T value) {
    for (Codec<T> c : byName.values()) {
      if (c.writes(value)) {
        Settings out = Settings.of(c.name()).put(TYPE, c.name());
        for (var e : c.write().apply(value).asMap().entrySet()) {
          if (e.getKey().equals(TYPE)) {
            throw new IllegalStateException(kind + " '" + c.name() + "' writes a setting named '" + TYPE
                + "', which is reserved for its name");
          }
          out.put(e.getKey(), e.getValue());
        }
        return out;
      }
    }
    throw new UnsupportedOperationException(kind + " " + value + " (" + value.getClass().getName()
        + ") is not registered: call TrainingRegistry." + register + " to save configs that use it");
  }

  /**
   * The value {@code settings} describe.
   *
   * @throws IllegalArgumentException naming the settings' owner (e.g. the file) and the unknown name
   */
  T read(Settings settings) {
    String name = settings.getString(TYPE);
    Codec<T> codec = byName.get(name);
    if (codec == null) {
      throw new IllegalArgumentException(settings.owner() + ": unknown " + kind + " '" + name + "'; register custom "
          + kind + "s with TrainingRegistry." + register + " before loading (known: " + names() + ")");
    }
    return codec.read().apply(settings);
  }
}
