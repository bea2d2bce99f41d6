package dev.topiary.keras;

import static dev.topiary.keras.KerasLayers.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.layers.Layer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.ndarray.Shape;

/**
 * A Topiary {@link ModelSpec} as a Keras 3 model config (the {@code config.json} of a {@code .keras}
 * file, also the legacy {@code model_config}), with the Keras 3 weights path of every layer. Pruning
 * settings are not part of a Keras model: the pruned weights carry their zeros.
 */
final class KerasModelWriter {
  /** A layer and where its variables go (Keras 3 path; the legacy group is its name). */
  record Placed(Layer layer, String name, LayerMapping mapping, String kerasPath) {}

  record Result(ObjectNode config, List<Placed> layers) {}

  private final KerasLayers mappings = new KerasLayers("3");

  Result write(ModelSpec spec, String modelName) {
    List<Placed> placed = new ArrayList<>();
    Map<String, Integer> used = new HashMap<>();
    ObjectNode config = JSON.objectNode();
    config.put("name", modelName).put("trainable", true).put("dtype", "float32");
    ArrayNode layers = config.putArray("layers");
    boolean sequential = spec.kind().equals("Sequential");
    Map<Node, String> inputNames = new IdentityHashMap<>();
    for (Node in : spec.inputs()) {
      String name = spec.inputName(in);
      inputNames.put(in, name);
      ObjectNode c = JSON.objectNode();
      ArrayNode shape = c.putArray("batch_shape");
      shape.addNull();
      for (long d : in.shape().asArray()) {
        if (d >= 0) {
          shape.add(d);
        }
      }
      c.put("dtype", "float32").put("sparse", false).put("ragged", false).put("name", name);
      ObjectNode entry = JSON.objectNode();
      entry.put("module", "keras.layers").put("class_name", "InputLayer").set("config", c);
      entry.putNull("registered_name");
      if (!sequential) {
        entry.put("name", name);
        entry.putArray("inbound_nodes");
        unique("input_layer", used);
      }
      layers.add(entry);
    }
    // Calls in graph order; a further output (an RNN's states) refers to its call's first node.
    Map<Layer, Integer> callCount = new IdentityHashMap<>();
    Map<Node, int[]> history = new IdentityHashMap<>();
    Map<Layer, ObjectNode> entries = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      if (n.isInput()) {
        continue;
      }
      Layer layer = n.layer();
      String name = spec.layerName(layer);
      if (n.isFurtherOutput()) {
        history.put(n, new int[] {history.get(n.output(0))[0], n.outputIndex()});
        continue;
      }
      int call = callCount.merge(layer, 1, Integer::sum) - 1;
      history.put(n, new int[] {call, 0});
      ObjectNode entry = entries.get(layer);
      if (entry == null) {
        LayerMapping m = mappings.forTopiary(layer.typeName());
        entry = mappings.keras(layer.typeName(), layer.config(), name);
        placed.add(new Placed(layer, name, m, null)); // the path once the layers are in Keras' order
        entries.put(layer, entry);
        if (!sequential) {
          entry.put("name", name);
          entry.putArray("inbound_nodes");
        }
        layers.add(entry);
      }
      if (!sequential) {
        ((ArrayNode) entry.get("inbound_nodes")).add(inbound(spec, n, history, inputNames));
      }
    }
    if (!sequential) {
      ArrayNode ins = config.putArray("input_layers");
      for (Node in : spec.inputs()) {
        ins.add(ref(inputNames.get(in), 0, 0));
      }
      ArrayNode outs = config.putArray("output_layers");
      for (Node out : spec.outputs()) {
        int[] h = history.get(out);
        outs.add(ref(spec.layerName(out.layer()), h[0], h[1]));
      }
    }
    if (!sequential) { // Keras lists a functional model's layers in its own graph order (KerasGraphOrder)
      Map<String, Integer> position = new HashMap<>();
      for (String name : KerasGraphOrder.layers(config)) {
        position.put(name, position.size());
      }
      List<JsonNode> entryList = new ArrayList<>();
      layers.forEach(entryList::add);
      entryList.sort(java.util.Comparator.comparingInt(e -> position.getOrDefault(e.get("name").textValue(), Integer.MAX_VALUE)));
      layers.removeAll();
      layers.addAll(entryList);
      placed.sort(java.util.Comparator.comparingInt(p -> position.getOrDefault(p.name(), Integer.MAX_VALUE)));
    }
    List<Placed> withPaths = new ArrayList<>();
    for (Placed p : placed) { // numbered per class in model.layers order, as Keras' saver does
      withPaths.add(new Placed(p.layer(), p.name(), p.mapping(), "layers/" + unique(KerasLayers.snake(p.mapping().kerasClass()), used)));
    }
    placed = withPaths;
    ObjectNode root = JSON.objectNode();
    // As Keras 3 writes them: Sequential under "keras"; Functional by its source module, registered.
    if (sequential) {
      root.put("module", "keras").put("class_name", "Sequential").set("config", config);
      root.putNull("registered_name");
    } else {
      root.put("module", "keras.src.models.functional").put("class_name", "Functional").set("config", config);
      root.put("registered_name", "Functional");
    }
    return new Result(root, placed);
  }

  private static ObjectNode inbound(ModelSpec spec, Node n, Map<Node, int[]> history, Map<Node, String> inputNames) {
    List<Node> inputs = n.inputs();
    ObjectNode node = JSON.objectNode();
    ArrayNode args = node.putArray("args");
    ObjectNode kwargs = node.putObject("kwargs");
    String type = n.layer().typeName();
    if (type.equals("MultiHeadAttention")) {
      args.add(tensor(spec, inputs.get(0), history, inputNames));
      args.add(tensor(spec, inputs.size() > 1 ? inputs.get(1) : inputs.get(0), history, inputNames));
      if (inputs.size() > 2) {
        kwargs.set("key", tensor(spec, inputs.get(2), history, inputNames));
      }
      if (n.layer() instanceof dev.topiary.dsl.layers.attention.MultiHeadAttention m && m.causal()) {
        kwargs.put("use_causal_mask", true); // a call argument in Keras, an option of the layer in Topiary
      }
    } else if (inputs.size() == 1) {
      args.add(tensor(spec, inputs.get(0), history, inputNames));
    } else {
      ArrayNode list = args.addArray();
      for (Node in : inputs) {
        list.add(tensor(spec, in, history, inputNames));
      }
    }
    return node;
  }

  private static ObjectNode tensor(ModelSpec spec, Node n, Map<Node, int[]> history, Map<Node, String> inputNames) {
    ObjectNode t = JSON.objectNode();
    t.put("class_name", "__keras_tensor__");
    ObjectNode c = t.putObject("config");
    c.set("shape", shape(n.shape()));
    c.put("dtype", "float32");
    if (n.isInput()) {
      c.set("keras_history", ref(inputNames.get(n), 0, 0));
    } else {
      int[] h = history.get(n);
      c.set("keras_history", ref(spec.layerName(n.layer()), h[0], h[1]));
    }
    return t;
  }

  private static ArrayNode shape(Shape s) {
    ArrayNode a = JSON.arrayNode();
    for (long d : s.asArray()) {
      if (d < 0) {
        a.addNull();
      } else {
        a.add(d);
      }
    }
    return a;
  }

  private static ArrayNode ref(String layer, int node, int tensor) {
    ArrayNode a = JSON.arrayNode();
    a.add(layer).add(node).add(tensor);
    return a;
  }

  private static String unique(String base, Map<String, Integer> used) {
    return KerasModelReader.unique(base, used);
  }
}
