package dev.topiary.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One Keras layer's {@code config} object while it is read: typed reads whose errors name the file,
 * the layer and the option, and checks that an option Topiary cannot honour has its default.
 */
final class KerasConfig {
  private final String file;
  private final String layer;
  private final String className;
  private final JsonNode config;

  KerasConfig(String file, String layer, String className, JsonNode config) {
    this.file = file;
    this.layer = layer;
    this.className = className;
    this.config = config;
  }

  String file() {
    return file;
  }

  String layer() {
    return layer;
  }

  String className() {
    return className;
  }

  JsonNode node() {
    return config;
  }

  KerasFileException error(String problem) {
    return new KerasFileException(file, layer, className + " " + problem);
  }

  boolean has(String key) {
    JsonNode v = config.get(key);
    return v != null && !v.isNull();
  }

  @Nullable JsonNode get(String key) {
    JsonNode v = config.get(key);
    return v == null || v.isNull() ? null : v;
  }

  private JsonNode required(String key) {
    JsonNode v = get(key);
    if (v == null) {
      throw error("has no '" + key + "'");
    }
    return v;
  }

  int integer(String key) {
    JsonNode v = required(key);
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw error("'" + key + "' must be a whole number, got " + v);
    }
    return v.intValue();
  }

  int integer(String key, int defaultValue) {
    return has(key) ? integer(key) : defaultValue;
  }

  double number(String key, double defaultValue) {
    JsonNode v = get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isNumber()) {
      throw error("'" + key + "' must be a number, got " + v);
    }
    return v.doubleValue();
  }

  boolean bool(String key, boolean defaultValue) {
    JsonNode v = get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isBoolean()) {
      throw error("'" + key + "' must be true or false, got " + v);
    }
    return v.booleanValue();
  }

  String string(String key, String defaultValue) {
    JsonNode v = get(key);
    if (v == null) {
      return defaultValue;
    }
    if (!v.isTextual()) {
      throw error("'" + key + "' must be a string, got " + v);
    }
    return v.textValue();
  }

  /** A whole number or a list of them (Keras accepts both for sizes), as {@code count} values. */
  int[] ints(String key, int count) {
    JsonNode v = required(key);
    int[] out = new int[count];
    if (v.isIntegralNumber()) {
      java.util.Arrays.fill(out, v.intValue());
      return out;
    }
    if (!v.isArray() || v.size() != count) {
      throw error("'" + key + "' must be a whole number or a list of " + count + ", got " + v);
    }
    for (int i = 0; i < count; i++) {
      if (!v.get(i).isIntegralNumber()) {
        throw error("'" + key + "' must hold whole numbers, got " + v);
      }
      out[i] = v.get(i).intValue();
    }
    return out;
  }

  /** Nested lists of whole numbers flattened ({@code [[1, 0], [2, 1]]} -> 1, 0, 2, 1). */
  long[] flatLongs(String key) {
    List<Long> out = new ArrayList<>();
    flatten(required(key), key, out);
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  private void flatten(JsonNode v, String key, List<Long> out) {
    if (v.isArray()) {
      for (JsonNode e : v) {
        flatten(e, key, out);
      }
    } else if (v.isIntegralNumber()) {
      out.add(v.longValue());
    } else {
      throw error("'" + key + "' must hold whole numbers, got " + v);
    }
  }

  /** The same value in every one of {@code count} places (Topiary's layers take one size for all axes). */
  int uniform(String key, int count) {
    int[] v = ints(key, count);
    for (int x : v) {
      if (x != v[0]) {
        throw error("option " + key + "=" + java.util.Arrays.toString(v)
            + " is not supported (Topiary's " + className + " takes the same value on every axis)");
      }
    }
    return v[0];
  }

  /** Fails unless {@code key} is absent, null or equal to {@code supported} (compared as JSON text). */
  void requireDefault(String key, Object supported) {
    JsonNode v = get(key);
    if (v == null) {
      return;
    }
    Object actual = v.isTextual() ? v.textValue() : v.isBoolean() ? v.booleanValue()
        : v.isIntegralNumber() ? (Object) v.longValue() : v.isNumber() ? v.doubleValue() : v.toString();
    Object expected = supported instanceof Integer i ? (Object) (long) i : supported;
    if (!Objects.equals(actual, expected)) {
      throw error("option " + key + "=" + v + " is not supported (only " + supported + ")");
    }
  }

  /** Fails unless {@code key} is absent or null. */
  void requireNull(String key) {
    if (has(key)) {
      throw error("option " + key + "=" + get(key) + " is not supported (only null)");
    }
  }

  /** Each of {@code keys} absent or a list/number all equal to {@code value}. */
  void requireAll(String key, int count, int value) {
    if (!has(key)) {
      return;
    }
    for (int v : ints(key, count)) {
      if (v != value) {
        throw error("option " + key + "=" + get(key) + " is not supported (only " + value + ")");
      }
    }
  }

  void channelsLast() {
    requireDefault("data_format", "channels_last");
  }
}
