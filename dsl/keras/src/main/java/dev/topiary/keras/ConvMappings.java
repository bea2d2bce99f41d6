package dev.topiary.keras;

import static dev.topiary.keras.CoreMappings.list;
import static dev.topiary.keras.CoreMappings.map;
import static dev.topiary.keras.KerasLayers.ints;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.config.Settings;
import java.util.Map;

/** Convolution and pooling layers (channels_last only, as Topiary's). */
final class ConvMappings {
  private ConvMappings() {}

  /** The options every Keras convolution has that Topiary's take only at their default. */
  private static void common(KerasConfig k) {
    common(k, true);
  }

  private static void common(KerasConfig k, boolean ungrouped) {
    k.channelsLast();
    if (ungrouped) {
      k.requireDefault("groups", 1);
    }
    k.requireNull("lora_rank");
    String padding = k.string("padding", "valid");
    if (!padding.equals("valid") && !padding.equals("same")) {
      throw k.error("option padding=" + padding + " is not supported (only valid and same)");
    }
  }

  /** {@code use_bias} in Topiary's settings: only when false, as Topiary writes it. */
  private static Map<String, Object> withBias(KerasConfig k, Map<String, Object> settings) {
    if (k.bool("use_bias", true)) {
      return settings;
    }
    Map<String, Object> s = new java.util.LinkedHashMap<>(settings);
    s.put("use_bias", false);
    return s;
  }

  private static boolean bias(Settings t) {
    return !t.has("use_bias") || t.getBoolean("use_bias");
  }

  private static void writeCommon(ObjectNode out, Settings t) {
    out.put("padding", t.getString("padding")).put("data_format", "channels_last")
        .put("activation", KerasLayers.kerasActivation(t.getString("activation")));
  }

  private static ObjectNode cube(ObjectNode out, String key, long v, int rank) {
    long[] a = new long[rank];
    java.util.Arrays.fill(a, v);
    out.set(key, ints(a));
    return out;
  }

  static void register(KerasLayers r) {
    r.add("Conv1D", "Conv1D", (k, l) -> {
      common(k);
      return withBias(k, map("filters", k.integer("filters"), "kernel_size", k.ints("kernel_size", 1)[0],
          "strides", k.ints("strides", 1)[0], "dilation", k.ints("dilation_rate", 1)[0],
          "padding", k.string("padding", "valid"), "activation", l.activation(k, "activation")));
    }, (t, out, l) -> {
      out.put("filters", t.getInt("filters"));
      out.set("kernel_size", ints(t.getLong("kernel_size")));
      out.set("strides", ints(t.getLong("strides")));
      out.set("dilation_rate", ints(t.getLong("dilation")));
      out.put("groups", 1).put("use_bias", bias(t));
      writeCommon(out, t);
    });
    // Conv2D with groups > 1 (ConvNeXt's depthwise 7x7) reads as GroupedConv2D, a type of its own so that back
    // ends running Conv2D refuse it by name; it writes back as Conv2D with its groups.
    r.add("Conv2D", "Conv2D", (k, l) -> {
      common(k, false);
      int[] kernel = k.ints("kernel_size", 2);
      int[] strides = k.ints("strides", 2);
      int groups = k.integer("groups", 1);
      Map<String, Object> s = new java.util.LinkedHashMap<>(map("filters", k.integer("filters"),
          "kernel_size", list(kernel[0], kernel[1]), "strides", list(strides[0], strides[1]),
          "dilation", k.has("dilation_rate") ? k.uniform("dilation_rate", 2) : 1,
          "padding", k.string("padding", "valid"), "activation", l.activation(k, "activation"),
          "use_bias", k.bool("use_bias", true)));
      if (groups != 1) {
        s.put("groups", groups);
        s.put(LayerMapping.TYPE, "GroupedConv2D");
      }
      return s;
    }, (t, out, l) -> writeConv2D(t, out, 1));
    r.add(new LayerMapping("Conv2D", "GroupedConv2D", null,
        (t, out, l) -> writeConv2D(t, out, t.getInt("groups")), LayerMapping.VARS), false);
    conv3d(r, "Conv3D");
    conv3d(r, "Conv3DTranspose");
    r.add("Conv2DTranspose", "Conv2DTranspose", (k, l) -> {
      common(k);
      k.requireAll("dilation_rate", 2, 1);
      k.requireNull("output_padding");
      return withBias(k, map("filters", k.integer("filters"), "kernel_size", k.uniform("kernel_size", 2),
          "strides", k.uniform("strides", 2), "padding", k.string("padding", "valid"),
          "activation", l.activation(k, "activation")));
    }, (t, out, l) -> {
      out.put("filters", t.getInt("filters"));
      cube(out, "kernel_size", t.getLong("kernel_size"), 2);
      cube(out, "strides", t.getLong("strides"), 2);
      cube(out, "dilation_rate", 1, 2);
      out.put("use_bias", bias(t));
      writeCommon(out, t);
    });
    depthwise(r, "DepthwiseConv2D");
    depthwise(r, "SeparableConv2D");
    r.add("SeparableConv1D", "SeparableConv1D", (k, l) -> {
      common(k);
      k.requireDefault("depth_multiplier", 1);
      k.requireAll("dilation_rate", 1, 1);
      return withBias(k, map("filters", k.integer("filters"), "kernel_size", k.ints("kernel_size", 1)[0],
          "strides", k.ints("strides", 1)[0], "padding", k.string("padding", "valid"),
          "activation", l.activation(k, "activation")));
    }, (t, out, l) -> {
      out.put("filters", t.getInt("filters")).put("depth_multiplier", 1);
      out.set("kernel_size", ints(t.getLong("kernel_size")));
      out.set("strides", ints(t.getLong("strides")));
      out.set("dilation_rate", ints(1));
      out.put("use_bias", bias(t));
      writeCommon(out, t);
    });
    pooling(r);
  }

  private static void writeConv2D(Settings t, ObjectNode out, int groups) {
    out.put("filters", t.getInt("filters"));
    out.set("kernel_size", ints(t.getLongs("kernel_size")));
    out.set("strides", ints(t.getLongs("strides")));
    long d = t.getLong("dilation");
    out.set("dilation_rate", ints(d, d));
    out.put("groups", groups).put("use_bias", t.getBoolean("use_bias"));
    writeCommon(out, t);
  }

  private static void conv3d(KerasLayers r, String type) {
    r.add(type, type, (k, l) -> {
      common(k);
      k.requireAll("dilation_rate", 3, 1);
      k.requireNull("output_padding");
      return withBias(k, map("size", k.uniform("kernel_size", 3), "filters", k.integer("filters"),
          "strides", k.uniform("strides", 3), "padding", k.string("padding", "valid"),
          "activation", l.activation(k, "activation")));
    }, (t, out, l) -> {
      out.put("filters", t.getInt("filters"));
      cube(out, "kernel_size", t.getLong("size"), 3);
      cube(out, "strides", t.getLong("strides"), 3);
      cube(out, "dilation_rate", 1, 3);
      if (type.equals("Conv3D")) {
        out.put("groups", 1); // Conv3DTranspose has no groups option
      }
      out.put("use_bias", bias(t));
      writeCommon(out, t);
    });
  }

  private static void depthwise(KerasLayers r, String type) {
    boolean separable = type.startsWith("Separable");
    r.add(type, type, (k, l) -> {
      common(k);
      k.requireAll("dilation_rate", 2, 1);
      return map("kernel_size", k.uniform("kernel_size", 2), "depth_multiplier", k.integer("depth_multiplier", 1),
          "strides", k.uniform("strides", 2), "padding", k.string("padding", "valid"),
          "activation", l.activation(k, "activation"), "filters", separable ? k.integer("filters") : 0,
          "prune_depthwise_kernel", false, "use_bias", k.bool("use_bias", true) ? null : false);
    }, (t, out, l) -> {
      if (separable) {
        out.put("filters", t.getInt("filters"));
      }
      out.put("depth_multiplier", t.getInt("depth_multiplier"));
      cube(out, "kernel_size", t.getLong("kernel_size"), 2);
      cube(out, "strides", t.getLong("strides"), 2);
      cube(out, "dilation_rate", 1, 2);
      out.put("use_bias", !t.has("use_bias") || t.getBoolean("use_bias"));
      writeCommon(out, t);
    });
  }

  private static void pooling(KerasLayers r) {
    for (String kind : new String[] {"Max", "Average"}) {
      r.add(kind + "Pooling1D", kind + "Pooling1D", (k, l) -> {
        k.channelsLast();
        int size = k.ints("pool_size", 1)[0];
        int stride = k.has("strides") ? k.ints("strides", 1)[0] : size;
        if (stride != size || !k.string("padding", "valid").equals("valid")) {
          throw k.error("options strides=" + stride + ", padding=" + k.string("padding", "valid")
              + " are not supported (only strides = pool_size and valid padding)");
        }
        return map("args", list(size));
      }, (t, out, l) -> {
        long size = t.getLongs("args")[0];
        out.set("pool_size", ints(size));
        out.set("strides", ints(size));
        out.put("padding", "valid").put("data_format", "channels_last");
      });
      r.add(kind + "Pooling2D", kind + "Pooling2D", (k, l) -> {
        k.channelsLast();
        int[] size = k.ints("pool_size", 2);
        int[] strides = k.has("strides") ? k.ints("strides", 2) : size;
        return map("pool_size", list(size[0], size[1]), "strides", list(strides[0], strides[1]),
            "padding", padding(k));
      }, (t, out, l) -> {
        out.set("pool_size", ints(t.getLongs("pool_size")));
        out.set("strides", ints(t.getLongs("strides")));
        out.put("padding", t.getString("padding")).put("data_format", "channels_last");
      });
      r.add(kind + "Pooling3D", kind + "Pooling3D", (k, l) -> {
        k.channelsLast();
        int size = k.uniform("pool_size", 3);
        int stride = k.has("strides") ? k.uniform("strides", 3) : size;
        return map("size", size, "filters", 0, "strides", stride, "padding", padding(k), "activation", "linear");
      }, (t, out, l) -> {
        cube(out, "pool_size", t.getLong("size"), 3);
        cube(out, "strides", t.getLong("strides"), 3);
        out.put("padding", t.getString("padding")).put("data_format", "channels_last");
      });
      for (String dims : new String[] {"1D", "2D", "3D"}) {
        String type = "Global" + kind + "Pooling" + dims;
        r.add(type, type, (k, l) -> {
          k.channelsLast();
          return k.bool("keepdims", false) ? Map.of("keepdims", true) : Map.of();
        }, (t, out, l) -> out.put("data_format", "channels_last").put("keepdims", t.has("keepdims") && t.getBoolean("keepdims")));
      }
    }
  }

  private static String padding(KerasConfig k) {
    String padding = k.string("padding", "valid");
    if (!padding.equals("valid") && !padding.equals("same")) {
      throw k.error("option padding=" + padding + " is not supported (only valid and same)");
    }
    return padding;
  }
}
