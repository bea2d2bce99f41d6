package dev.topiary.dsl.layers.preprocessing;

import dev.topiary.dsl.config.Settings;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A setting that is a number or a flat list of numbers (one per channel), as Keras writes
 * {@code Rescaling}'s scale and {@code Normalization}'s mean: a number, a list, or a NumPy array
 * ({@code {"class_name": "__numpy__", "config": {"value": [...]}}}).
 */
record Values(float[] values, boolean scalar) {

  static @Nullable Values read(Settings s, String key, String layer) {
    Object v = s.asMap().get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof Map<?, ?> m && "__numpy__".equals(m.get("class_name")) && m.get("config") instanceof Map<?, ?> c) {
      v = c.get("value");
    }
    if (v instanceof Number n) {
      return new Values(new float[] {n.floatValue()}, true);
    }
    if (v instanceof List<?> list && !list.isEmpty()) {
      float[] out = new float[list.size()];
      for (int i = 0; i < out.length; i++) {
        if (!(list.get(i) instanceof Number n)) {
          throw new IllegalArgumentException(layer + " " + key + " must be a number or a flat list of numbers (one"
              + " per channel), got " + v);
        }
        out[i] = n.floatValue();
      }
      return new Values(out, false);
    }
    throw new IllegalArgumentException(layer + " " + key + " must be a number or a flat list of numbers (one per"
        + " channel), got " + v);
  }

  /** As written back: a number or a list. */
  Object written() {
    if (scalar) {
      return (double) values[0];
    }
    java.util.ArrayList<Double> out = new java.util.ArrayList<>();
    for (float f : values) {
      out.add((double) f);
    }
    return out;
  }

  int size() {
    return values.length;
  }
}
