package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import java.util.Objects;
import java.util.function.Function;

/**
 * How one layer class is read back from a saved config: its Keras type name (the layer's
 * {@link Layer#typeName()}), its class and a reader of its settings. Writing is the layer's own
 * {@link Layer#config()}. Every built-in layer class declares one ({@code Dense.CODEC}, listed in
 * {@link BuiltInLayers}); a custom layer declares its own and passes it to
 * {@link dev.topiary.dsl.config.ConfigRegistry#registerLayer(LayerCodec)}, as Keras registers by class.
 *
 * @param <L> the layer class
 */
public record LayerCodec<L extends Layer>(String typeName, Class<L> type, Function<Settings, ? extends L> reader) {
  public LayerCodec {
    Objects.requireNonNull(typeName, "typeName");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(reader, "reader");
  }

  public static <L extends Layer> LayerCodec<L> of(String typeName, Class<L> type, Function<Settings, ? extends L> reader) {
    return new LayerCodec<>(typeName, type, reader);
  }

  /** The layer these settings describe (unnamed and unpruned; the config entry adds those). */
  public L read(Settings settings) {
    return reader.apply(settings);
  }
}
