package dev.topiary.ops.mask;

import java.util.Map;

/**
 * A mask strategy's saved parameters, as read back from a config: typed reads that name the owner
 * (e.g. the layer and the file) and the parameter when one is missing or of the wrong type. Numbers
 * may arrive as any {@link Number} (a JSON reader gives longs and doubles).
 */
public record StrategyConfig(String owner, Map<String, ?> values) {

  public StrategyConfig {
    values = Map.copyOf(values.entrySet().stream().filter(e -> e.getValue() != null)
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  private Object required(String key) {
    Object v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' is missing");
    }
    return v;
  }

  public double getDouble(String key) {
    if (!(required(key) instanceof Number n)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a number, got " + values.get(key));
    }
    return n.doubleValue();
  }

  public long getLong(String key) {
    double v = getDouble(key);
    if (v != Math.rint(v) || Math.abs(v) > 0x1p53) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a whole number, got " + values.get(key));
    }
    return ((Number) values.get(key)).longValue();
  }

  public int getInt(String key) {
    long v = getLong(key);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' is out of range: " + v);
    }
    return (int) v;
  }

  public boolean getBoolean(String key) {
    if (!(required(key) instanceof Boolean b)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be true or false, got " + values.get(key));
    }
    return b;
  }

  public String getString(String key) {
    if (!(required(key) instanceof String s)) {
      throw new IllegalArgumentException(owner + ": setting '" + key + "' must be a string, got " + values.get(key));
    }
    return s;
  }
}
