package dev.topiary.keras;

import static dev.topiary.keras.CoreMappings.map;

import java.util.List;
import java.util.Map;

/** SimpleRNN, LSTM, GRU and the wrappers Bidirectional and TimeDistributed. */
final class RecurrentMappings {
  private RecurrentMappings() {}

  static void register(KerasLayers r) {
    recurrent(r, "SimpleRNN");
    recurrent(r, "LSTM");
    recurrent(r, "GRU");
    r.add(new LayerMapping("Bidirectional", "Bidirectional", (k, l) -> {
      String merge = k.string("merge_mode", "concat");
      if (!merge.equals("concat")) {
        throw k.error("option merge_mode=" + merge + " is not supported (only concat)");
      }
      Map<String, Object> inner = l.innerTopiary(k, "layer");
      if (k.has("backward_layer")) {
        // Topiary's backward direction is the forward layer mirrored: a backward layer of another
        // configuration cannot be honoured.
        Map<String, Object> backward = l.innerTopiary(k, "backward_layer");
        @SuppressWarnings("unchecked")
        Map<String, Object> b = new java.util.LinkedHashMap<>((Map<String, Object>) backward.get("settings"));
        @SuppressWarnings("unchecked")
        Map<String, Object> f = (Map<String, Object>) inner.get("settings");
        b.put("go_backwards", f.get("go_backwards"));
        if (!b.equals(f) || !backward.get("type").equals(inner.get("type"))) {
          throw k.error("option backward_layer differs from the forward layer mirrored (not supported)");
        }
      }
      return map("layer", inner);
    }, (t, out, l) -> out.put("merge_mode", "concat").set("layer", l.innerKeras(t.getObject("layer", t.owner()))),
        n -> List.of(new LayerMapping.Group("forward_layer/cell/vars", n / 2),
            new LayerMapping.Group("backward_layer/cell/vars", n / 2))));
    r.add(new LayerMapping("TimeDistributed", "TimeDistributed", (k, l) -> map("layer", l.innerTopiary(k, "layer")),
        (t, out, l) -> out.set("layer", l.innerKeras(t.getObject("layer", t.owner()))),
        n -> List.of(new LayerMapping.Group("layer/vars", n))));
  }

  private static void recurrent(KerasLayers r, String type) {
    r.add(new LayerMapping(type, type, (k, l) -> {
      if (!l.activation(k, "activation").equals("tanh")) {
        throw k.error("option activation=" + k.get("activation") + " is not supported (only tanh)");
      }
      if (!type.equals("SimpleRNN") && !l.activation(k, "recurrent_activation").equals("sigmoid")) {
        throw k.error("option recurrent_activation=" + k.get("recurrent_activation")
            + " is not supported (only sigmoid)");
      }
      k.requireDefault("use_bias", true);
      k.requireDefault("stateful", false);
      k.requireDefault("dropout", 0.0);
      k.requireDefault("recurrent_dropout", 0.0);
      k.requireDefault("time_major", false);
      if (type.equals("GRU")) {
        k.requireDefault("reset_after", true);
      }
      return map("units", k.integer("units"), "return_sequences", k.bool("return_sequences", false),
          "go_backwards", k.bool("go_backwards", false), "return_state", k.bool("return_state", false));
    }, (t, out, l) -> {
      out.put("units", t.getInt("units")).put("activation", "tanh");
      if (!type.equals("SimpleRNN")) {
        out.put("recurrent_activation", "sigmoid");
      }
      out.put("use_bias", true).put("return_sequences", t.getBoolean("return_sequences"))
          .put("return_state", t.has("return_state") && t.getBoolean("return_state"))
          .put("go_backwards", t.getBoolean("go_backwards")).put("stateful", false).put("unroll", false);
      if (type.equals("GRU")) {
        out.put("reset_after", true);
      }
    }, LayerMapping.CELL));
  }
}
