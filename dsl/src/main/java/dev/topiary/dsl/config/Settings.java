package dev.topiary.dsl.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A layer's, schedule's or strategy's settings in a config: an ordered map written as a JSON object,
 * with typed reads that name the owner and the setting when something is missing or of the wrong type.
 */
public final class Settings {
  private final String owner;
  private final Map<String, Object> values;

  public Settings(String owner, Map<String, ?> values) {
    this.owner = owner;
    this.values = new LinkedHashMap<>(values);
  }

  /** An empty builder-style settings map for {@code owner}. */
  public static Settings of(String owner) {
    return new Settings(owner, Map.of());
  }

  public Settings put(String key, @Nullable Object value) {
    values.put(key, value);
    return this;
  }

  public Map<String, Object> asMap() {
    return values;
  }

  public String owner() {
    return owner;
  }

  private Object required(String key) {
    if (!values.containsKey(key) || values.get(key) == null) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' is missing");
    }
    return values.get(key);
  }

  private Number number(String key) {
    Object v = required(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a number, got " + v);
    }
    return n;
  }

  public long getLong(String key) {
    return whole(number(key), key);
  }

  /**
   * {@code n} as a long: a whole number within the range of long. A Double such as {@code 1e308} is
   * whole, but {@link Number#longValue} would silently clamp it to {@link Long#MAX_VALUE}.
   */
  private long whole(Number n, String key) {
    if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
      return n.longValue();
    }
    double d = n.doubleValue();
    if (d != Math.rint(d)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a whole number, got " + n);
    }
    // 2^63 is the first double above the range of long; -2^63 itself is in range.
    if (d >= 0x1p63 || d < -0x1p63) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' is out of the range of a 64-bit integer: " + n);
    }
    return (long) d;
  }

  public int getInt(String key) {
    long v = getLong(key);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' is out of range: " + v);
    }
    return (int) v;
  }

  public double getDouble(String key) {
    return number(key).doubleValue();
  }

  public boolean getBoolean(String key) {
    Object v = required(key);
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be true or false, got " + v);
    }
    return b;
  }

  public String getString(String key) {
    Object v = required(key);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a string, got " + v);
    }
    return s;
  }

  public @Nullable String getOptionalString(String key) {
    return values.get(key) == null ? null : getString(key);
  }

  /**
   * Fails naming the owner and the first key that is not one of {@code known}: a misspelt or corrupted
   * key must not silently drop what it held.
   */
  public Settings requireOnly(String... known) {
    List<String> expected = List.of(known);
    for (String key : values.keySet()) {
      if (!expected.contains(key)) {
        throw new IllegalArgumentException(owner + ": unknown key '" + key + "' (expected " + String.join(", ", expected)
            + ")");
      }
    }
    return this;
  }

  public boolean has(String key) {
    return values.get(key) != null;
  }

  public long[] getLongs(String key) {
    Object v = required(key);
    if (!(v instanceof List<?> l)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a list of numbers, got " + v);
    }
    long[] out = new long[l.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(l.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
        throw new IllegalArgumentException(owner + ": setting '" + key + "' must hold whole numbers, got " + l);
      }
      out[i] = whole(n, key);
    }
    return out;
  }

  /** A nested object as settings of {@code childOwner}. */
  @SuppressWarnings("unchecked")
  public Settings getObject(String key, String childOwner) {
    Object v = required(key);
    if (!(v instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be an object, got " + v);
    }
    return new Settings(childOwner, (Map<String, ?>) m);
  }

  /** A list of objects. */
  public List<Settings> getObjects(String key, String childOwner) {
    Object v = required(key);
    if (!(v instanceof List<?> l)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a list, got " + v);
    }
    List<Settings> out = new ArrayList<>();
    for (int i = 0; i < l.size(); i++) {
      if (!(l.get(i) instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException(owner + ": entry " + i + " of '" + key + "' must be an object");
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> map = (Map<String, ?>) m;
      out.add(new Settings(childOwner + " #" + i, map));
    }
    return out;
  }
}
