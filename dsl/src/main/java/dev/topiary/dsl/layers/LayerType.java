package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One layer type as every back end sees it, registered once: its type name (Keras' class name), its
 * class, the reader of its saved settings (writing is the layer's own {@link Layer#config()}), and the
 * parts back ends look up by kind: its Keras file form ({@link KerasForm}), and for layers whose math
 * is not described by {@link LoweredLayer}, a TFLite lowering or a sparse-runtime translation (the
 * part interfaces live in those modules, so {@code dsl} depends on none of them).
 *
 * <p>Every built-in layer class declares its type ({@code Dense.TYPE}, listed in {@link BuiltInLayers});
 * a user's layer declares its own and registers it with
 * {@link dev.topiary.dsl.config.ConfigRegistry#registerLayer(LayerType)}, as Keras registers by class:
 *
 * <pre>{@code
 * ConfigRegistry.registerLayer(LayerType.of("ScaledDense", ScaledDense.class, ScaledDense::fromConfig)
 *     .with(KerasForm.class, KerasForm.of("MyLayers>ScaledDense", "units", "scale"))
 *     .with(TfliteLowering.class, new ScaledDenseTflite()));
 * }</pre>
 *
 * @param <L> the layer class
 */
public final class LayerType<L extends Layer> {
  private final String typeName;
  private final Class<L> type;
  private final Function<Settings, ? extends L> reader;
  private final Map<Class<?>, Object> parts;

  private LayerType(String typeName, Class<L> type, Function<Settings, ? extends L> reader, Map<Class<?>, Object> parts) {
    this.typeName = Objects.requireNonNull(typeName, "typeName");
    this.type = Objects.requireNonNull(type, "type");
    this.reader = Objects.requireNonNull(reader, "reader");
    this.parts = Map.copyOf(parts);
  }

  public static <L extends Layer> LayerType<L> of(String typeName, Class<L> type, Function<Settings, ? extends L> reader) {
    return new LayerType<>(typeName, type, reader, Map.of());
  }

  /** A copy that also carries {@code part} for the back end that looks up parts of {@code kind}. */
  public <P> LayerType<L> with(Class<P> kind, P part) {
    Objects.requireNonNull(kind, "kind");
    if (!kind.isInstance(Objects.requireNonNull(part, "part"))) {
      throw new IllegalArgumentException("layer type " + typeName + ": part " + part + " is not a " + kind.getName());
    }
    Map<Class<?>, Object> copy = new LinkedHashMap<>(parts);
    copy.put(kind, part);
    return new LayerType<>(typeName, type, reader, copy);
  }

  /** The part of {@code kind} this type carries, if any. */
  public <P> Optional<P> part(Class<P> kind) {
    return Optional.ofNullable(kind.cast(parts.get(kind)));
  }

  public String typeName() {
    return typeName;
  }

  public Class<L> type() {
    return type;
  }

  public Function<Settings, ? extends L> reader() {
    return reader;
  }

  /** The layer these settings describe (unnamed and unpruned; the config entry adds those). */
  public L read(Settings settings) {
    return reader.apply(settings);
  }

  /** Whether layers of this type describe their math in {@link Primitives}, so every back end runs them. */
  public boolean lowered() {
    return LoweredLayer.class.isAssignableFrom(type);
  }

  @Override
  public String toString() {
    return "LayerType[" + typeName + ", " + type.getName() + (parts.isEmpty() ? "" : ", parts " + parts.keySet()) + "]";
  }
}
