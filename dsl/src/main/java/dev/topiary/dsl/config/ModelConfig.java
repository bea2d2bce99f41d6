package dev.topiary.dsl.config;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.Shapes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A model definition as a readable JSON config: inputs, every layer with its settings and pruning
 * (schedule and mask strategy, m-by-n included), the graph of nodes, the outputs. Reading it gives
 * back an equal definition (same names, same weights' names), to continue training or to strip.
 *
 * <pre>{@code
 * { "format": "topiary-model", "version": 1, "kind": "Sequential",
 *   "layers": [ {"name": "dense", "type": "Dense", "settings": {"units": 10, ...},
 *                "pruning": {"schedule": {"type": "PolynomialDecay", ...}, "strategy": {"type": "m_by_n", "m": 2, "n": 4}}} ],
 *   "nodes": [ {"input": "input", "shape": [784]}, {"layer": "dense", "inputs": [0]} ],
 *   "outputs": [1] }
 * }</pre>
 *
 * <p>Layers pruned as members of a global group ({@link ModelSpec#prunedGlobally}) carry
 * {@code "pruning": {"group": "global"}}, and the group's settings are written once under
 * {@code "pruning_groups"} (absent when a model has no group, so older files read unchanged).
 */
public final class ModelConfig {
  public static final String FORMAT = "topiary-model";
  public static final int VERSION = 1;
  /**
   * Largest {@code model.json} read, checked against the file's length before reading: a config of
   * thousands of layers takes a few hundred kilobytes, and its parsed form takes several times its size.
   */
  public static final long MAX_JSON_BYTES = 16L << 20;
  /** The model kinds a config may hold ({@link ModelSpec#kind()}). */
  private static final List<String> KINDS = List.of("Sequential", "Functional");

  private ModelConfig() {}

  public static String toJson(ModelSpec spec) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.put("kind", spec.kind());
    List<Object> layers = new ArrayList<>();
    Map<String, dev.topiary.ops.GlobalPruningSpec> groups = new LinkedHashMap<>();
    for (Layer layer : spec.layers()) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("name", spec.layerName(layer));
      l.put("type", layer.typeName());
      l.put("settings", layer.config().asMap());
      if (layer.pruning().isPresent() && layer.pruning().get().strategy() instanceof dev.topiary.ops.GlobalGroupMember m) {
        // A member of a global group refers to it by name; the group's settings are written once.
        groups.put(m.group().name(), m.group());
        l.put("pruning", Map.of("group", m.group().name()));
      } else {
        l.put("pruning", layer.pruning().map(p -> (Object) pruning(spec.layerName(layer), p)).orElse(null));
      }
      layers.add(l);
    }
    root.put("layers", layers);
    if (!groups.isEmpty()) {
      List<Object> written = new ArrayList<>();
      for (dev.topiary.ops.GlobalPruningSpec g : groups.values()) {
        try {
          written.add(ConfigRegistry.writeGroup(g).asMap());
        } catch (UnsupportedOperationException e) {
          throw new UnsupportedOperationException("pruning group '" + g.name() + "': " + e.getMessage(), e);
        }
      }
      root.put("pruning_groups", written);
    }
    Map<Node, Integer> ids = new IdentityHashMap<>();
    List<Object> nodes = new ArrayList<>();
    for (Node n : spec.nodes()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      if (n.isInput()) {
        entry.put("input", spec.inputName(n));
        entry.put("shape", boxed(Shapes.withoutBatch(n.shape())));
      } else if (n.isFurtherOutput()) {
        entry.put("output_of", (long) ids.get(n.output(0)));
        entry.put("index", (long) n.outputIndex());
      } else {
        entry.put("layer", spec.layerName(n.layer()));
        entry.put("inputs", n.inputs().stream().map(i -> (Object) (long) ids.get(i)).toList());
      }
      ids.put(n, nodes.size());
      nodes.add(entry);
    }
    root.put("nodes", nodes);
    root.put("inputs", spec.inputs().stream().map(i -> (Object) (long) ids.get(i)).toList());
    root.put("outputs", spec.outputs().stream().map(o -> (Object) (long) ids.get(o)).toList());
    return Json.write(root);
  }

  /** A layer's pruning settings; an unregistered schedule or strategy names the layer. */
  private static Object pruning(String layer, dev.topiary.ops.PruningSpec p) {
    try {
      return ConfigRegistry.writePruning(p).asMap();
    } catch (UnsupportedOperationException e) {
      throw new UnsupportedOperationException("layer '" + layer + "': " + e.getMessage(), e);
    }
  }

  private static List<Object> boxed(long[] values) {
    List<Object> out = new ArrayList<>();
    for (long v : values) {
      out.add(v);
    }
    return out;
  }

  /**
   * Reads a config written by {@link #toJson}.
   *
   * @throws IllegalArgumentException naming {@code source} and the problem: invalid JSON, another
   *     format, an unsupported version, an unknown kind, layer type or key, a missing setting
   */
  public static ModelSpec fromJson(String json, String source) {
    return fromParsed(() -> Json.parse(json), source);
  }

  @SuppressWarnings("unchecked")
  private static ModelSpec fromParsed(Supplier<Object> parser, String source) {
    try {
      Object parsed = parser.get();
      if (!(parsed instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException("the document is not a JSON object");
      }
      Settings root = new Settings(source, (Map<String, ?>) m);
      if (!FORMAT.equals(root.getString("format"))) {
        throw new IllegalArgumentException("not a Topiary model config (format '" + root.getString("format") + "')");
      }
      long version = root.getLong("version");
      if (version > VERSION) {
        throw new IllegalArgumentException("written by a newer config version " + version + "; this Topiary reads version "
            + VERSION);
      }
      if (version != VERSION) {
        throw new IllegalArgumentException("unsupported config version " + version + "; this Topiary reads version "
            + VERSION);
      }
      root.requireOnly("format", "version", "kind", "layers", "nodes", "inputs", "outputs", "pruning_groups");
      String kind = root.getString("kind");
      if (!KINDS.contains(kind)) {
        throw new IllegalArgumentException("unknown model kind '" + kind + "', expected one of " + String.join(", ", KINDS));
      }
      return build(root);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      String message = e.getMessage() != null && e.getMessage().startsWith(source + ":") ? e.getMessage().substring(source.length() + 2) : e.getMessage();
      throw new CorruptFileException(source, message);
    }
  }

  private static ModelSpec build(Settings root) {
    Map<String, dev.topiary.ops.GlobalPruningSpec> groups = new HashMap<>();
    if (root.has("pruning_groups")) {
      for (Settings g : root.getObjects("pruning_groups", "pruning group")) {
        dev.topiary.ops.GlobalPruningSpec group = ConfigRegistry.readGroup(g);
        if (groups.put(group.name(), group) != null) {
          throw new IllegalArgumentException("two pruning groups are named '" + group.name() + "'");
        }
      }
    }
    Map<String, Layer> layers = new HashMap<>();
    for (Settings l : root.getObjects("layers", "layer")) {
      String name = l.getString("name");
      new Settings("layer '" + name + "'", l.asMap()).requireOnly("name", "type", "settings", "pruning");
      Settings settings = l.getObject("settings", "layer '" + name + "'");
      Layer layer = ConfigRegistry.readLayer(l.getString("type"), settings);
      if (layer instanceof BaseLayer<?> b) {
        layer = b.named(name);
      }
      if (l.has("pruning")) {
        Settings pruning = l.getObject("pruning", "layer '" + name + "' pruning");
        if (pruning.has("group")) {
          pruning.requireOnly("group");
          dev.topiary.ops.GlobalPruningSpec group = groups.get(pruning.getString("group"));
          if (group == null) {
            throw new IllegalArgumentException("layer '" + name + "' pruning: no pruning group named '"
                + pruning.getString("group") + "' (groups: " + new java.util.TreeSet<>(groups.keySet()) + ")");
          }
          layer = layer.withPruning(group.memberSpec());
        } else {
          layer = layer.withPruning(ConfigRegistry.readPruning(pruning));
        }
      }
      layers.put(name, layer);
    }
    List<Node> nodes = new ArrayList<>();
    for (Settings n : root.getObjects("nodes", "node")) {
      if (n.has("input")) {
        n.requireOnly("input", "shape");
        nodes.add(Input.named(n.getString("input"), n.getLongs("shape")));
      } else if (n.has("output_of")) {
        n.requireOnly("output_of", "index");
        long of = n.getLong("output_of");
        if (of < 0 || of >= nodes.size()) {
          throw new IllegalArgumentException(n.owner() + ": output_of " + of + " does not name an earlier node");
        }
        nodes.add(nodes.get((int) of).output(n.getInt("index")));
      } else {
        n.requireOnly("layer", "inputs");
        String name = n.getString("layer");
        Layer layer = layers.get(name);
        if (layer == null) {
          throw new IllegalArgumentException(n.owner() + ": no layer named '" + name + "'");
        }
        List<Node> inputs = new ArrayList<>();
        for (long i : n.getLongs("inputs")) {
          if (i < 0 || i >= nodes.size()) {
            throw new IllegalArgumentException(n.owner() + ": input index " + i + " does not name an earlier node");
          }
          inputs.add(nodes.get((int) i));
        }
        nodes.add(Node.of(layer, inputs));
      }
    }
    List<Node> inputs = pick(nodes, root.getLongs("inputs"), "inputs");
    List<Node> outputs = pick(nodes, root.getLongs("outputs"), "outputs");
    if (root.getString("kind").equals("Sequential")) {
      List<Layer> chain = new ArrayList<>();
      for (Node n : nodes) {
        if (!n.isInput() && !n.isFurtherOutput()) {
          chain.add(n.layer());
        }
      }
      return Sequential.of(inputs.get(0), chain);
    }
    return Functional.of(inputs, outputs);
  }

  private static List<Node> pick(List<Node> nodes, long[] ids, String what) {
    List<Node> out = new ArrayList<>();
    for (long id : ids) {
      if (id < 0 || id >= nodes.size()) {
        throw new IllegalArgumentException("'" + what + "' names node " + id + " of " + nodes.size());
      }
      out.add(nodes.get((int) id));
    }
    return out;
  }

  public static void write(Path file, ModelSpec spec) throws IOException {
    dev.topiary.dsl.export.AtomicFiles.write(file, toJson(spec).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Reads {@code file}; invalid UTF-8, invalid JSON and invalid configs fail naming the file. */
  public static ModelSpec read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_JSON_BYTES) {
      throw new CorruptFileException(file.toString(), "has " + size + " bytes, more than a model config may have ("
          + MAX_JSON_BYTES + ")");
    }
    byte[] bytes = dev.topiary.dsl.export.ReadLimits.tally(file.toString()).readFile(file, null, 0, null);
    return fromParsed(() -> Json.parse(bytes), file.toString());
  }
}
