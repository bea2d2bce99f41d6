package dev.topiary.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order in which Keras 3 lists a functional model's layers ({@code model.layers}), computed from the
 * config as Keras' {@code map_graph} does: a depth-first walk from each output in turn numbers the layers
 * by first visit (a layer before its inputs, inputs in argument order); each call gets the depth of its
 * deepest consumer plus one (outputs 0), a layer the largest depth of its calls; layers are listed by
 * depth, deepest first, ties by visit number; inputs no output reaches come last at depth 0.
 *
 * <p>Files must follow it: the legacy {@code .h5} reader matches the layers that have weights to
 * {@code layer_names} by position, and the {@code .keras} reader finds a layer's variables under a path
 * numbered in this order ({@code conv2d}, {@code conv2d_1}, ...). Topiary's own node order (all inputs
 * first, then each call once its inputs exist) differs for models with several inputs or branches.
 */
final class KerasGraphOrder {
  private KerasGraphOrder() {}

  /** A call of a layer: the layer's name and which of its calls. */
  private record Call(String layer, int index) {}

  /**
   * The layer names of the functional model {@code config} (its {@code layers}, {@code output_layers},
   * each layer's {@code inbound_nodes}) in Keras' order.
   */
  static List<String> layers(JsonNode config) {
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    for (JsonNode layer : config.get("layers")) {
      byName.put(layer.get("name").textValue(), layer);
    }
    Map<String, Integer> visitIndex = new HashMap<>();
    Set<Call> finished = new HashSet<>();
    List<Call> topological = new ArrayList<>(); // inputs -> outputs
    for (JsonNode out : outputs(config.get("output_layers"))) {
      visit(new Call(out.get(0).textValue(), out.get(1).intValue()), byName, visitIndex, finished, topological);
    }
    Map<Call, Integer> callDepth = new HashMap<>();
    Map<String, Integer> layerDepth = new LinkedHashMap<>(); // insertion order breaks the ties of unused inputs
    for (int i = topological.size() - 1; i >= 0; i--) {
      Call call = topological.get(i);
      int depth = Math.max(callDepth.getOrDefault(call, 0), layerDepth.getOrDefault(call.layer(), 0));
      layerDepth.put(call.layer(), depth);
      callDepth.put(call, depth);
      for (Call parent : parents(call, byName)) {
        callDepth.merge(parent, depth + 1, Math::max);
      }
    }
    for (JsonNode in : config.path("input_layers")) { // inputs no output depends on
      String name = in.get(0).textValue();
      if (!layerDepth.containsKey(name)) {
        layerDepth.put(name, 0);
        visitIndex.put(name, -1);
      }
    }
    List<String> ordered = new ArrayList<>(layerDepth.keySet());
    ordered.sort(Comparator.<String>comparingInt(n -> -layerDepth.get(n)).thenComparingInt(visitIndex::get));
    return ordered;
  }

  private static void visit(Call call, Map<String, JsonNode> byName, Map<String, Integer> visitIndex,
      Set<Call> finished, List<Call> topological) {
    if (finished.contains(call)) {
      return;
    }
    visitIndex.putIfAbsent(call.layer(), visitIndex.size());
    for (Call parent : parents(call, byName)) {
      visit(parent, byName, visitIndex, finished, topological);
    }
    finished.add(call);
    topological.add(call);
  }

  /** The calls whose outputs a call takes, in Keras' order: its arguments, then its keyword arguments by name. */
  private static List<Call> parents(Call call, Map<String, JsonNode> byName) {
    JsonNode layer = byName.get(call.layer());
    if (layer == null) {
      throw new IllegalArgumentException("the model's graph refers to a layer '" + call.layer() + "' it does not have");
    }
    JsonNode node = layer.path("inbound_nodes").path(call.index());
    List<Call> out = new ArrayList<>();
    collect(node.path("args"), out);
    JsonNode kwargs = node.path("kwargs");
    List<String> keys = new ArrayList<>();
    kwargs.fieldNames().forEachRemaining(keys::add);
    keys.sort(null); // Keras flattens a dict's values in sorted key order
    for (String key : keys) {
      collect(kwargs.get(key), out);
    }
    return out;
  }

  private static void collect(JsonNode v, List<Call> out) {
    if (v.isArray()) {
      for (JsonNode e : v) {
        collect(e, out);
      }
    } else if (v.isObject()) {
      JsonNode history = v.path("config").path("keras_history");
      if ("__keras_tensor__".equals(v.path("class_name").textValue()) && history.isArray()) {
        out.add(new Call(history.get(0).textValue(), history.get(1).intValue()));
      } else {
        v.elements().forEachRemaining(e -> collect(e, out));
      }
    }
  }

  /** {@code output_layers} as a list of {@code [name, node, tensor]} (Keras writes one bare triple for one output). */
  private static List<JsonNode> outputs(JsonNode outputLayers) {
    List<JsonNode> out = new ArrayList<>();
    if (outputLayers.size() == 3 && outputLayers.get(0).isTextual()) {
      out.add(outputLayers);
    } else {
      outputLayers.forEach(out::add);
    }
    return out;
  }
}
