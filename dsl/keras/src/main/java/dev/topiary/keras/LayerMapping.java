package dev.topiary.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.config.Settings;
import java.util.List;
import java.util.Map;

/**
 * How one Keras layer class maps to one Topiary layer type, both ways: Keras config -> Topiary
 * settings (read by Topiary's own codec for that type), Topiary settings -> Keras config, and where
 * Keras 3 keeps the layer's variables in {@code model.weights.h5}.
 *
 * <p>Topiary's built-in layers declare their weights in Keras' order and shapes (kernel, bias;
 * LSTM gates i, f, c, o; GRU z, r, h with {@code reset_after}; Bidirectional forward then backward;
 * MultiHeadAttention query, key, value, output), so the weights map one to one, in order.
 */
record LayerMapping(String kerasClass, String topiaryType, Reader reader, Writer writer, WeightGroups groups) {

  /**
   * A key a {@link Reader} may put in its settings to read the Keras layer as another Topiary type than
   * {@link #topiaryType} (Keras' Conv2D with {@code groups > 1} is Topiary's GroupedConv2D).
   */
  static final String TYPE = "@type";

  /** Keras config -> the Topiary settings of {@link #topiaryType}. */
  interface Reader {
    Map<String, Object> read(KerasConfig keras, KerasLayers layers);
  }

  /** Topiary settings -> the Keras config keys of {@link #kerasClass} (added to {@code out}). */
  interface Writer {
    void write(Settings topiary, ObjectNode out, KerasLayers layers);
  }

  /** Where Keras 3 keeps {@code count} variables of this layer, under the layer's own path. */
  interface WeightGroups {
    List<Group> of(int count);
  }

  /**
   * {@code count} variables {@code 0..count-1} in the group {@code <layer path>/<path>}, followed by
   * {@code skipped} int64 scalars Keras keeps and Topiary does not (Normalization's {@code count}): they
   * are not read, and written as 0.
   */
  record Group(String path, int count, List<String> skipped) {
    Group(String path, int count) {
      this(path, count, List.of());
    }
  }

  static final WeightGroups VARS = n -> List.of(new Group("vars", n));
  static final WeightGroups CELL = n -> List.of(new Group("cell/vars", n));
}
