package dev.topiary.keras;

import static dev.topiary.keras.CoreMappings.map;

import java.util.List;
import java.util.Map;

/** The wrappers Bidirectional and TimeDistributed (SimpleRNN, LSTM and GRU declare their KerasForm). */
final class RecurrentMappings {
  private RecurrentMappings() {}

  static void register(KerasLayers r) {
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
}
