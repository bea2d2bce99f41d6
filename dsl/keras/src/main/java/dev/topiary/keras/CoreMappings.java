package dev.topiary.keras;

import static dev.topiary.keras.KerasLayers.ints;
import static dev.topiary.keras.KerasLayers.pairs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The core, normalization, attention, reshaping and merging layers whose Keras config differs in shape from
 * their settings (noise shapes with nulls, windows as pairs, variables in several groups, configs holding
 * arrays); the others declare a {@link dev.topiary.dsl.layers.KerasForm} on their layer type.
 */
final class CoreMappings {
  private CoreMappings() {}

  static Map<String, Object> map(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  /** A config value as plain Java (numbers, lists, maps), or null. */
  static Object value(KerasConfig k, String key) {
    JsonNode v = k.get(key);
    return v == null || v.isNull() ? null : KerasLayers.plainValue(v);
  }

  static List<Long> list(long... v) {
    return java.util.Arrays.stream(v).boxed().toList();
  }

  static void register(KerasLayers r) {
    // noise_shape: Keras' None sizes (the input's) are -1 in Topiary's settings.
    r.add("Dropout", "Dropout", (k, l) -> {
      Map<String, Object> m = map("rate", k.number("rate", 0));
      JsonNode ns = k.get("noise_shape");
      if (ns != null && !ns.isNull()) {
        if (!ns.isArray()) {
          throw k.error("option noise_shape=" + ns + " is not supported (a list of sizes or nulls)");
        }
        List<Long> dims = new java.util.ArrayList<>();
        for (JsonNode d : ns) {
          if (!d.isNull() && !d.canConvertToLong()) {
            throw k.error("option noise_shape=" + ns + " is not supported (a list of sizes or nulls)");
          }
          dims.add(d.isNull() ? -1L : d.asLong());
        }
        m.put("noise_shape", dims);
      }
      return m;
    }, (t, out, l) -> {
      out.put("rate", t.getDouble("rate"));
      if (t.has("noise_shape")) {
        com.fasterxml.jackson.databind.node.ArrayNode a = out.putArray("noise_shape");
        for (long d : t.getLongs("noise_shape")) {
          if (d < 0) {
            a.addNull();
          } else {
            a.add(d);
          }
        }
      }
    });

    // Normalization: given mean/variance live in the config; adapted ones are the variables mean, variance
    // and an int64 count (only used to adapt further), which Topiary skips reading and writes as 0.
    r.add(new LayerMapping("Normalization", "Normalization", (k, l) -> {
      long[] axis = k.has("axis") ? k.flatLongs("axis") : new long[0];
      if (axis.length != 1) {
        throw k.error("option axis=" + k.get("axis") + " is not supported (Topiary normalizes one axis, the last)");
      }
      return map("axis", axis[0], "invert", k.bool("invert", false), "mean", value(k, "mean"),
          "variance", value(k, "variance"));
    }, (t, out, l) -> {
      out.set("axis", ints(t.getLong("axis")));
      out.put("invert", t.has("invert") && t.getBoolean("invert"));
      out.set("mean", KerasLayers.JSON_VALUES.valueToTree(t.asMap().get("mean")));
      out.set("variance", KerasLayers.JSON_VALUES.valueToTree(t.asMap().get("variance")));
    }, n -> List.of(new LayerMapping.Group("vars", n, n == 0 ? List.of() : List.of("count")))));

    r.add(new LayerMapping("MultiHeadAttention", "MultiHeadAttention", (k, l) -> {
      k.requireDefault("use_bias", true);
      k.requireNull("output_shape");
      // Keras writes the default it resolved for (batch, steps, features) inputs: attention over axis 1.
      if (k.has("attention_axes") && !(k.flatLongs("attention_axes").length == 1 && k.flatLongs("attention_axes")[0] == 1)) {
        throw k.error("option attention_axes=" + k.get("attention_axes") + " is not supported (only the steps axis, 1)");
      }
      if (k.has("value_dim") && k.integer("value_dim") != k.integer("key_dim")) {
        throw k.error("option value_dim=" + k.integer("value_dim") + " is not supported (only value_dim = key_dim)");
      }
      double dropout = k.number("dropout", 0);
      Map<String, Object> m = map("num_heads", k.integer("num_heads"), "key_dim", k.integer("key_dim"));
      if (dropout != 0) {
        m.put("dropout", dropout);
      }
      return m;
    }, (t, out, l) -> out.put("num_heads", t.getInt("num_heads")).put("key_dim", t.getInt("key_dim"))
        .put("value_dim", t.getInt("key_dim")).put("use_bias", true)
        .put("dropout", t.has("dropout") ? t.getDouble("dropout") : 0.0),
        n -> List.of(new LayerMapping.Group("query_dense/vars", 2), new LayerMapping.Group("key_dense/vars", 2),
            new LayerMapping.Group("value_dense/vars", 2), new LayerMapping.Group("output_dense/vars", 2))));

    registerReshaping(r);
  }

  private static void registerReshaping(KerasLayers r) {
    r.add("Permute", "Permute", (k, l) -> map("args", list(k.flatLongs("dims"))),
        (t, out, l) -> out.<com.fasterxml.jackson.databind.node.ObjectNode>set("dims", ints(t.getLongs("args"))));
    r.add("RepeatVector", "RepeatVector", (k, l) -> map("args", list(k.integer("n"))),
        (t, out, l) -> out.put("n", t.getLongs("args")[0]));
    r.add("Cropping1D", "Cropping1D", (k, l) -> map("args", list(pair(k, "cropping"))),
        (t, out, l) -> out.<com.fasterxml.jackson.databind.node.ObjectNode>set("cropping", ints(t.getLongs("args"))));
    r.add("Cropping2D", "Cropping2D", (k, l) -> {
      k.channelsLast();
      return map("args", list(quad(k, "cropping")));
    }, (t, out, l) -> out.<com.fasterxml.jackson.databind.node.ObjectNode>set("cropping", pairs(t.getLongs("args"))).put("data_format", "channels_last"));
    r.add("ZeroPadding1D", "ZeroPadding1D", (k, l) -> map("args", list(pair(k, "padding"))),
        (t, out, l) -> out.<com.fasterxml.jackson.databind.node.ObjectNode>set("padding", ints(t.getLongs("args"))));
    r.add("ZeroPadding2D", "ZeroPadding2D", (k, l) -> {
      k.channelsLast();
      return map("padding", list(quad(k, "padding")));
    }, (t, out, l) -> out.<com.fasterxml.jackson.databind.node.ObjectNode>set("padding", pairs(t.getLongs("padding"))).put("data_format", "channels_last"));
    r.add("ZeroPadding3D", "ZeroPadding3D", (k, l) -> {
      k.channelsLast();
      long[] p = k.flatLongs("padding");
      for (long v : p) {
        if (v != p[0]) {
          throw k.error("option padding=" + k.get("padding") + " is not supported (only the same padding on every side)");
        }
      }
      return map("size", p[0], "filters", 0, "strides", 1, "padding", "valid", "activation", "linear");
    }, (t, out, l) -> {
      long p = t.getLong("size");
      out.<com.fasterxml.jackson.databind.node.ObjectNode>set("padding", pairs(p, p, p, p, p, p)).put("data_format", "channels_last");
    });
    r.add("UpSampling1D", "UpSampling1D", (k, l) -> map("args", list(k.integer("size"))),
        (t, out, l) -> out.put("size", t.getLongs("args")[0]));
    r.add("UpSampling2D", "UpSampling2D", (k, l) -> {
      k.channelsLast();
      k.requireDefault("interpolation", "nearest");
      int[] s = k.ints("size", 2);
      return map("args", list(s[0], s[1]));
    }, (t, out, l) -> out.<com.fasterxml.jackson.databind.node.ObjectNode>set("size", ints(t.getLongs("args"))).put("interpolation", "nearest")
        .put("data_format", "channels_last"));
  }

  /** {@code n} or {@code [a, b]} as a, b. */
  private static long[] pair(KerasConfig k, String key) {
    JsonNode v = k.get(key);
    if (v != null && v.isIntegralNumber()) {
      return new long[] {v.longValue(), v.longValue()};
    }
    long[] p = k.flatLongs(key);
    if (p.length != 2) {
      throw k.error("'" + key + "' must be a number or a pair, got " + v);
    }
    return p;
  }

  /** {@code n}, {@code [a, b]} (symmetric per axis) or {@code [[t, b], [l, r]]} as t, b, l, r. */
  private static long[] quad(KerasConfig k, String key) {
    JsonNode v = k.get(key);
    if (v != null && v.isIntegralNumber()) {
      long n = v.longValue();
      return new long[] {n, n, n, n};
    }
    long[] p = k.flatLongs(key);
    if (p.length == 2 && v.get(0).isIntegralNumber()) {
      return new long[] {p[0], p[0], p[1], p[1]};
    }
    if (p.length != 4) {
      throw k.error("'" + key + "' must be a number, a pair or two pairs, got " + v);
    }
    return p;
  }
}
