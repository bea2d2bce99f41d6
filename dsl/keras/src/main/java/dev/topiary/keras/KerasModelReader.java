package dev.topiary.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.layers.Layer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras model config (Sequential or Functional, Keras 3 or tf.keras 2 layout; nested models
 * inlined) as a Topiary {@link ModelSpec}, with where each layer's weights are in the weights file.
 */
final class KerasModelReader {
  /** A Topiary layer and where Keras keeps its variables. */
  record Placed(Layer layer, String name, LayerMapping mapping, String kerasPath, String legacyGroup) {}

  record Result(ModelSpec spec, List<Placed> layers) {}

  private final String file;
  private final KerasLayers mappings;
  private final List<Placed> placed = new ArrayList<>();
  private final java.util.Set<String> names = new java.util.HashSet<>();
  /** Operation nodes of Keras 3's mask computations (see {@link #maskNodes}), by name: not built. */
  private final java.util.Set<String> maskNodes = new java.util.HashSet<>();

  KerasModelReader(String file, KerasLayers mappings) {
    this.file = file;
    this.mappings = mappings;
  }

  KerasFileException error(String layer, String problem) {
    return new KerasFileException(file, layer, problem);
  }

  Result read(JsonNode root) {
    String cls = KerasLayers.className(root);
    JsonNode config = root.get("config");
    if (config == null || !config.isObject()) {
      throw error(null, "the model config has no 'config' object");
    }
    String name = KerasLayers.nameOf(root, "model");
    ModelSpec spec;
    if (cls.equals("Sequential")) {
      List<Node> inputs = new ArrayList<>();
      List<Node> outputs = sequential(config, name, "", name, null, inputs);
      spec = Sequential.of(inputs.get(0), placed.stream().map(Placed::layer).toList());
      if (outputs.size() != 1) {
        throw error(null, "a Sequential model has one output");
      }
    } else if (cls.equals("Functional") || cls.equals("Model")) {
      List<Node> inputs = new ArrayList<>();
      List<Node> outputs = functional(config, name, "", null, null, inputs);
      try {
        spec = Functional.of(inputs, outputs);
      } catch (IllegalArgumentException e) {
        throw error(null, "the model graph is not valid in Topiary: " + e.getMessage());
      }
    } else {
      throw error(null, "the top-level object is a " + cls + ", not a Sequential or Functional model (subclassed"
          + " models have no config Topiary can read)");
    }
    return new Result(spec, List.copyOf(placed));
  }

  /**
   * Builds a Sequential's layers on {@code given} (or on its own input when null, adding it to
   * {@code inputs}); {@code path} is the Keras 3 weights path of this model, {@code legacy} the legacy
   * weights group of its layers (their own names at the top level, the model's name when nested).
   */
  private List<Node> sequential(JsonNode config, String modelName, String path, String legacy, Node given,
      List<Node> inputs) {
    JsonNode layers = config.get("layers");
    if (layers == null || !layers.isArray()) {
      throw error(null, "model '" + modelName + "' has no 'layers' list");
    }
    Node x = given;
    Map<String, Integer> used = new HashMap<>();
    boolean top = path.isEmpty();
    for (int i = 0; i < layers.size(); i++) {
      JsonNode entry = layers.get(i);
      String cls = KerasLayers.className(entry);
      String layerName = KerasLayers.nameOf(entry, cls.toLowerCase());
      if (cls.equals("InputLayer")) {
        if (x == null) {
          x = input(entry.get("config"), layerName, "batch_shape", "batch_input_shape");
          inputs.add(x);
        }
        continue;
      }
      if (x == null) {
        x = implicitInput(config, entry, modelName, inputs);
      }
      String layerPath = join(path, "layers/" + unique(KerasLayers.snake(cls), used));
      if (isModel(cls)) {
        List<Node> out = nested(entry, layerPath, List.of(x));
        if (out.size() != 1) {
          throw error(layerName, "a nested model inside a Sequential must have one output");
        }
        x = out.get(0);
        continue;
      }
      x = apply(entry, layerName, layerPath, top ? layerName : legacy, List.of(x), Map.of(), false);
    }
    if (x == null) {
      throw error(null, "model '" + modelName + "' has no input and no layers");
    }
    return List.of(x);
  }

  private Node implicitInput(JsonNode config, JsonNode first, String modelName, List<Node> inputs) {
    JsonNode build = config.get("build_input_shape");
    Node in;
    if (build != null && build.isArray()) {
      in = Input.named(modelName + "_input", dims(build, modelName));
    } else {
      JsonNode fc = first.get("config");
      in = input(fc, modelName + "_input", "batch_input_shape", "batch_shape");
    }
    inputs.add(in);
    return in;
  }

  private Node input(JsonNode config, String name, String... keys) {
    JsonNode shape = null;
    for (String k : keys) {
      if (config != null && config.get(k) != null && config.get(k).isArray()) {
        shape = config.get(k);
        break;
      }
    }
    if (shape == null) {
      throw error(name, "the input has no batch shape");
    }
    if (config.get("sparse") != null && config.get("sparse").asBoolean(false)
        || config.get("ragged") != null && config.get("ragged").asBoolean(false)) {
      throw error(name, "sparse and ragged inputs are not supported");
    }
    return Input.named(name, dims(shape, name));
  }

  private long[] dims(JsonNode batchShape, String name) {
    if (batchShape.size() < 2) { // [] has no batch dimension, [None] nothing besides it
      throw error(name, "the batch shape " + batchShape + " needs at least one dimension besides the batch");
    }
    long[] dims = new long[batchShape.size() - 1];
    for (int i = 1; i < batchShape.size(); i++) {
      JsonNode d = batchShape.get(i);
      if (d == null || !d.isIntegralNumber() || d.longValue() < 1) {
        throw error(name, "input dimension " + i + " is " + d + ": Topiary inputs need a fixed size in every"
            + " dimension but the batch");
      }
      dims[i - 1] = d.longValue();
    }
    if (dims.length == 0) {
      throw error(name, "an input needs at least one dimension besides the batch");
    }
    return dims;
  }

  private static boolean isModel(String cls) {
    return cls.equals("Sequential") || cls.equals("Functional") || cls.equals("Model");
  }

  private List<Node> nested(JsonNode entry, String layerPath, List<Node> args) {
    String cls = KerasLayers.className(entry);
    String name = KerasLayers.nameOf(entry, cls.toLowerCase());
    JsonNode config = entry.get("config");
    if (config == null || !config.isObject()) {
      throw error(name, "the nested model has no config");
    }
    if (cls.equals("Sequential")) {
      if (args.size() != 1) {
        throw error(name, "a nested Sequential takes one input, got " + args.size());
      }
      return sequential(config, name, layerPath, name, args.get(0), new ArrayList<>());
    }
    return functional(config, name, layerPath, name, args, new ArrayList<>());
  }

  /** Applies one Keras layer entry to {@code args} (plus MultiHeadAttention's key). */
  private Node apply(JsonNode entry, String name, String kerasPath, String legacyGroup, List<Node> args,
      Map<String, Node> kwargs, boolean causal) {
    Layer layer = mappings.read(file, entry, name);
    if (causal) {
      if (!(layer instanceof dev.topiary.dsl.layers.attention.MultiHeadAttention mha)) {
        throw error(name, "call argument use_causal_mask=true is not supported for " + layer.typeName());
      }
      layer = mha.causal(true);
    }
    String cls = KerasLayers.className(entry);
    LayerMapping mapping = mappings.forKeras(cls);
    String topiaryName = name;
    if (!names.add(topiaryName)) {
      throw error(name, "two layers are named '" + name + "' (nested models must not repeat an outer layer's name)");
    }
    List<Node> inputs = new ArrayList<>(args);
    if (kwargs.containsKey("key")) {
      inputs.add(kwargs.get("key"));
    }
    checkAxes(entry, name, cls, inputs);
    Node node;
    try {
      node = Node.of(layer, inputs);
    } catch (IllegalArgumentException e) {
      throw error(name, cls + " cannot be applied to " + inputs.stream().map(n -> n.shape().toString()).toList()
          + ": " + e.getMessage());
    }
    placed.add(new Placed(layer, topiaryName, mapping, kerasPath, legacyGroup));
    return node;
  }

  /** A further call of a layer already applied (a shared layer). */
  private Node reapply(String name, List<Node> args, Map<String, Node> kwargs, boolean causal) {
    Layer layer = placed.stream().filter(p -> p.name().equals(name)).findFirst()
        .orElseThrow(() -> error(name, "a shared layer is called again before its first call")).layer();
    boolean layerCausal = layer instanceof dev.topiary.dsl.layers.attention.MultiHeadAttention mha && mha.causal();
    if (causal != layerCausal) {
      throw error(name, "the shared layer is called with and without use_causal_mask; Topiary keeps it with the layer");
    }
    List<Node> inputs = new ArrayList<>(args);
    if (kwargs.containsKey("key")) {
      inputs.add(kwargs.get("key"));
    }
    try {
      return Node.of(layer, inputs);
    } catch (IllegalArgumentException e) {
      throw error(name, "the shared layer cannot be applied again to " + inputs.stream().map(n -> n.shape().toString())
          .toList() + ": " + e.getMessage());
    }
  }

  /** BatchNormalization/LayerNormalization axis and Dot axes: Topiary's work on the last axis only. */
  private void checkAxes(JsonNode entry, String name, String cls, List<Node> inputs) {
    JsonNode config = entry.get("config");
    String key = cls.equals("Dot") ? "axes" : "axis";
    if (!(cls.equals("BatchNormalization") || cls.equals("LayerNormalization") || cls.equals("Dot"))) {
      return;
    }
    JsonNode v = config.get(key);
    if (v == null || v.isNull()) {
      return;
    }
    List<JsonNode> values = new ArrayList<>();
    if (v.isArray()) {
      v.forEach(values::add);
    } else {
      values.add(v);
    }
    for (int i = 0; i < values.size(); i++) {
      JsonNode a = values.get(i);
      int rank = inputs.get(Math.min(i, inputs.size() - 1)).shape().numDimensions();
      if (!a.isIntegralNumber() || !(a.intValue() == -1 || a.intValue() == rank - 1)) {
        throw error(name, cls + " option " + key + "=" + v + " is not supported (only the last axis)");
      }
    }
  }

  // ---- Functional ----

  private List<Node> functional(JsonNode config, String modelName, String path, String legacy, List<Node> given,
      List<Node> inputs) {
    JsonNode layers = config.get("layers");
    if (layers == null || !layers.isArray()) {
      throw error(null, "model '" + modelName + "' has no 'layers' list");
    }
    boolean top = path.isEmpty();
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    Map<String, String> paths = new HashMap<>();
    Map<String, Integer> used = new HashMap<>();
    for (JsonNode entry : layers) {
      String cls = KerasLayers.className(entry);
      String name = KerasLayers.nameOf(entry, "?");
      if (byName.put(name, entry) != null) {
        throw error(name, "two layers of model '" + modelName + "' have this name");
      }
      if (!KerasOps.isOperation(entry)) { // operations are not layers: no weights path, no place in Keras' count
        paths.put(name, join(path, "layers/" + unique(KerasLayers.snake(cls), used)));
      }
    }
    maskNodes.addAll(maskNodes(config, byName));
    // Outputs of each layer call: (layer name, node index) -> output nodes.
    Map<String, List<List<Node>>> calls = new HashMap<>();
    List<TensorRef> inputRefs = refs(config.get("input_layers"), modelName, "input_layers");
    for (int i = 0; i < inputRefs.size(); i++) {
      TensorRef r = inputRefs.get(i);
      JsonNode entry = byName.get(r.layer);
      if (entry == null || !KerasLayers.className(entry).equals("InputLayer")) {
        throw error(r.layer, "model input is not an InputLayer of model '" + modelName + "'");
      }
      Node in;
      if (given == null) {
        in = input(entry.get("config"), r.layer, "batch_shape", "batch_input_shape");
        inputs.add(in);
      } else {
        if (i >= given.size()) {
          throw error(modelName, "the nested model takes " + inputRefs.size() + " inputs, got " + given.size());
        }
        in = given.get(i);
      }
      calls.computeIfAbsent(r.layer, k -> new ArrayList<>()).add(List.of(in));
    }
    // Apply layers whose inbound tensors exist, until every call is made (shared layers may come back).
    List<PendingCall> pending = new ArrayList<>();
    for (JsonNode entry : layers) {
      String cls = KerasLayers.className(entry);
      if (cls.equals("InputLayer")) {
        continue;
      }
      String name = KerasLayers.nameOf(entry, "?");
      JsonNode inbound = entry.get("inbound_nodes");
      if (inbound == null || !inbound.isArray()) {
        throw error(name, "the layer has no inbound_nodes");
      }
      if (maskNodes.contains(name)) {
        continue;
      }
      for (int n = 0; n < inbound.size(); n++) {
        if (KerasOps.isOperation(entry)) { // x + 3.0, ops.relu6(x): read as the layer of the same math
          KerasOps.Rewritten op = KerasOps.rewrite(file, entry, name, inbound.get(n));
          pending.add(new PendingCall(op.entry(), name, n, op.inbound()));
        } else {
          pending.add(new PendingCall(entry, name, n, inbound.get(n)));
        }
      }
    }
    boolean progress = true;
    while (!pending.isEmpty() && progress) {
      progress = false;
      for (java.util.Iterator<PendingCall> it = pending.iterator(); it.hasNext();) {
        PendingCall c = it.next();
        List<List<Node>> done = calls.computeIfAbsent(c.name, k -> new ArrayList<>());
        if (done.size() != c.index) {
          continue; // calls of one layer happen in order
        }
        Call args = arguments(c, calls);
        if (args == null) {
          continue;
        }
        String cls = KerasLayers.className(c.entry);
        List<Node> out;
        if (isModel(cls)) {
          out = nested(c.entry, paths.get(c.name), args.positional);
        } else {
          // A shared layer: later calls reuse the layer (one set of weights) on other inputs.
          Node node = c.index == 0
              ? apply(c.entry, c.name, paths.getOrDefault(c.name, join(path, "operations/" + c.name)),
                  top ? c.name : legacy, args.positional, args.keywords, args.causal)
              : reapply(c.name, args.positional, args.keywords, args.causal);
          out = new ArrayList<>();
          out.add(node);
          int count = node.layer().outputShapes(node.inputs().stream().map(Node::shape).toList()).size();
          for (int i = 1; i < count; i++) {
            out.add(node.output(i));
          }
        }
        done.add(out);
        it.remove();
        progress = true;
      }
    }
    if (!pending.isEmpty()) {
      throw error(pending.get(0).name, "its inputs are never produced in model '" + modelName + "' (a cycle or a"
          + " missing layer)");
    }
    List<Node> outputs = new ArrayList<>();
    for (TensorRef r : refs(config.get("output_layers"), modelName, "output_layers")) {
      outputs.add(tensor(calls, r));
    }
    return outputs;
  }

  /** The Keras 3 operations a functional model's mask computations are written with. */
  private static final java.util.Set<String> MASK_OPS = java.util.Set.of("NotEqual", "LogicalOr", "LogicalAnd",
      "ExpandDims", "ZerosLike", "OnesLike", "Any", "All", "ConvertToTensor", "Concatenate", "BroadcastTo", "Squeeze");

  /**
   * The operation nodes that compute masks. Keras 3 writes the masks it propagated into a functional model:
   * a {@code mask_zero} Embedding's {@code not_equal(ids, 0)}, the merges' {@code logical_or}, Concatenate's
   * {@code expand_dims/zeros_like/concatenate/any}, each handed to the layers whose call takes a
   * {@code mask}. Topiary computes every layer's mask itself by Keras 3's rules, so these nodes are not
   * built, and a {@code mask} argument made by them is dropped. They are told apart by what Keras recorded:
   * a node whose output any reference says is {@code bool}. Anything else among them (a comparison other
   * than the Embedding's, a cast of a mask to floats) is refused, as a mask Topiary could not reproduce.
   */
  private java.util.Set<String> maskNodes(JsonNode config, Map<String, JsonNode> byName) {
    java.util.Set<String> bools = new java.util.HashSet<>();
    java.util.Set<TensorRef> embedded = new java.util.HashSet<>(); // tensors a mask_zero Embedding reads
    for (JsonNode entry : config.get("layers")) {
      boolean maskZero = KerasLayers.className(entry).equals("Embedding") && entry.path("config").path("mask_zero").asBoolean(false);
      for (JsonNode t : entry.path("inbound_nodes").findValues("keras_history")) {
        if (maskZero && t.isArray() && t.size() >= 3) {
          embedded.add(TensorRef.of(t));
        }
      }
      for (JsonNode t : entry.path("inbound_nodes").findParents("keras_history")) {
        if ("bool".equals(t.path("dtype").asText()) && t.get("keras_history").isArray()) {
          bools.add(t.get("keras_history").get(0).asText());
        }
      }
    }
    for (String name : bools) {
      JsonNode entry = byName.get(name);
      String cls = entry == null ? "?" : KerasLayers.className(entry);
      // A legacy .h5 config drops the module: an operation there has a config without "trainable".
      boolean operation = entry != null && (KerasOps.isOperation(entry)
          || !entry.has("module") && !entry.path("config").has("trainable"));
      if (!operation || !MASK_OPS.contains(cls)) {
        throw error(name, "computes a boolean tensor with " + cls + "; Topiary reads the masks Keras propagates"
            + " (mask_zero Embedding, merges, Concatenate), not other boolean computations");
      }
      if (cls.equals("NotEqual")) {
        JsonNode args = entry.path("inbound_nodes").path(0).path("args");
        JsonNode h = args.path(0).path("config").path("keras_history");
        boolean embeddingMask = args.size() == 2 && args.get(1).isNumber() && args.get(1).asDouble() == 0
            && h.isArray() && h.size() >= 3 && embedded.contains(TensorRef.of(h));
        if (!embeddingMask) {
          throw error(name, "compares " + args + " to make a mask; Topiary reads only a mask_zero Embedding's own"
              + " (its ids not equal to 0)");
        }
      }
    }
    return bools;
  }

  private record PendingCall(JsonNode entry, String name, int index, JsonNode node) {}

  private record Call(List<Node> positional, Map<String, Node> keywords, boolean causal) {}

  /** A Keras tensor reference: the {@code [layer, node, tensor]} of inbound nodes and {@code keras_history}. */
  private record TensorRef(String layer, int node, int tensor) {
    /** From a {@code [layer, node, tensor, ...]} array whose first element is checked to be text. */
    static TensorRef of(JsonNode triple) {
      return new TensorRef(triple.get(0).asText(), triple.path(1).asInt(), triple.path(2).asInt());
    }
  }

  private Node tensor(Map<String, List<List<Node>>> calls, TensorRef r) {
    List<List<Node>> done = calls.get(r.layer);
    if (done == null || r.node >= done.size() || r.tensor >= done.get(r.node).size()) {
      throw error(r.layer, "tensor " + r.node + ":" + r.tensor + " is not produced");
    }
    return done.get(r.node).get(r.tensor);
  }

  private boolean ready(Map<String, List<List<Node>>> calls, TensorRef r) {
    List<List<Node>> done = calls.get(r.layer);
    return done != null && r.node < done.size();
  }

  /** The call's input nodes, or null while one of them is not made yet. */
  private Call arguments(PendingCall c, Map<String, List<List<Node>>> calls) {
    List<TensorRef> positional = new ArrayList<>();
    Map<String, TensorRef> keywords = new LinkedHashMap<>();
    boolean causal = false;
    JsonNode node = c.node;
    if (node.isObject()) { // Keras 3: {"args": [...], "kwargs": {...}}
      JsonNode args = node.get("args");
      if (args != null) {
        for (JsonNode a : args) {
          collect(a, positional, c.name);
        }
      }
      JsonNode kwargs = node.get("kwargs");
      if (kwargs != null) {
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = kwargs.fields(); it.hasNext();) {
          Map.Entry<String, JsonNode> e = it.next();
          if (e.getValue().isNull() || e.getKey().equals("training")) {
            continue;
          }
          if (e.getKey().equals("use_causal_mask") && e.getValue().isBoolean()) {
            causal = e.getValue().booleanValue(); // MultiHeadAttention's; kept with the layer (see apply)
            continue;
          }
          List<TensorRef> refs = new ArrayList<>();
          collect(e.getValue(), refs, c.name);
          if (e.getKey().equals("mask") && !refs.isEmpty() && refs.stream().allMatch(r -> maskNodes.contains(r.layer))) {
            continue; // the mask Keras propagated: each layer computes it again by the same rules
          }
          if (!e.getKey().equals("key") || refs.size() != 1) {
            throw error(c.name, "call argument " + e.getKey() + "=" + e.getValue() + " is not supported");
          }
          keywords.put("key", refs.get(0));
        }
      }
    } else if (node.isArray()) { // tf.keras 2: [[layer, node, tensor, kwargs], ...]
      for (JsonNode t : node) {
        if (!t.isArray() || t.size() < 3 || !t.get(0).isTextual()) {
          throw error(c.name, "inbound node entry " + t + " is not understood");
        }
        positional.add(TensorRef.of(t));
        // The call's other arguments: tf.keras 2 writes MultiHeadAttention's value and key here. Anything
        // else that changes the call (an attention_mask, a mask tensor) is refused rather than dropped.
        if (t.size() > 3 && t.get(3).isObject()) {
          for (java.util.Iterator<Map.Entry<String, JsonNode>> it = t.get(3).fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            boolean ref = v.isArray() && v.size() >= 3 && v.get(0).isTextual();
            if (v.isNull() || e.getKey().equals("training") || e.getKey().equals("use_causal_mask") && v.isBoolean()
                && !v.booleanValue()) {
              continue;
            }
            if (ref && (e.getKey().equals("key") || e.getKey().equals("value"))) {
              TensorRef r = TensorRef.of(v);
              if (e.getKey().equals("key")) {
                keywords.put("key", r);
              } else {
                positional.add(r);
              }
            } else if (e.getKey().equals("use_causal_mask") && v.isBoolean()) {
              causal = true;
            } else {
              throw error(c.name, "call argument " + e.getKey() + "=" + v + " is not supported");
            }
          }
        }
      }
    } else {
      throw error(c.name, "inbound node " + node + " is not understood");
    }
    for (TensorRef r : positional) {
      if (maskNodes.contains(r.layer)) {
        throw error(c.name, "takes the mask computed by '" + r.layer + "' as an input; Topiary reads masks only as"
            + " Keras propagates them (mask_zero Embedding, then each layer's rule), not as values");
      }
      if (!ready(calls, r)) {
        return null;
      }
    }
    for (TensorRef r : keywords.values()) {
      if (!ready(calls, r)) {
        return null;
      }
    }
    List<Node> p = new ArrayList<>();
    for (TensorRef r : positional) {
      p.add(tensor(calls, r));
    }
    Map<String, Node> k = new LinkedHashMap<>();
    keywords.forEach((key, r) -> k.put(key, tensor(calls, r)));
    return new Call(p, k, causal);
  }

  /** Keras tensors in an argument: a {@code __keras_tensor__} object or nested lists of them. */
  private void collect(JsonNode a, List<TensorRef> out, String layer) {
    if (a.isArray()) {
      for (JsonNode e : a) {
        collect(e, out, layer);
      }
      return;
    }
    if (a.isObject() && "__keras_tensor__".equals(a.path("class_name").asText())) {
      JsonNode h = a.path("config").path("keras_history");
      if (!h.isArray() || h.size() < 3 || !h.get(0).isTextual()) {
        throw error(layer, "a call argument has no keras_history");
      }
      out.add(TensorRef.of(h));
      return;
    }
    throw error(layer, "call argument " + a + " is not supported (only tensors)");
  }

  private List<TensorRef> refs(JsonNode v, String model, String key) {
    if (v == null || !v.isArray() || v.isEmpty()) {
      throw error(null, "model '" + model + "' has no " + key);
    }
    List<TensorRef> out = new ArrayList<>();
    if (v.get(0).isTextual()) { // a single [name, node, tensor]
      out.add(TensorRef.of(v));
      return out;
    }
    for (JsonNode r : v) {
      if (!r.isArray() || r.size() < 3 || !r.get(0).isTextual()) {
        throw error(null, "model '" + model + "' " + key + " entry " + r + " is not [name, node, tensor]");
      }
      out.add(TensorRef.of(r));
    }
    return out;
  }

  static String unique(String base, Map<String, Integer> used) {
    Integer n = used.get(base);
    if (n == null) {
      used.put(base, 0);
      return base;
    }
    used.put(base, n + 1);
    return base + "_" + (n + 1);
  }

  private static String join(String path, String child) {
    return path.isEmpty() ? child : path + "/" + child;
  }
}
