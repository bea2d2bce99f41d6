package dev.topiary.dsl;

import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.training.Compile;
import dev.topiary.ops.PruningSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.tensorflow.ndarray.Shape;

/**
 * An immutable model definition: a graph of {@link Node}s from inputs to outputs, with every layer
 * named (explicitly or Keras-style: dense, dense_1, ...). Made by {@link Sequential} or
 * {@link Functional}; {@link #compile(Compile)} builds it into a trainable {@link Model}.
 */
public final class ModelSpec {
  private static final System.Logger WARNINGS = System.getLogger("dev.topiary");
  private final String kind;
  private final List<Node> inputs;
  private final List<Node> outputs;
  private final List<Node> order;
  private final List<Layer> layers;
  private final Map<Layer, String> layerNames;
  /** The layers by name: a reader looks up every layer of a model of hundreds by name. */
  private final Map<String, Layer> layersByName = new java.util.HashMap<>();
  private final Map<Node, String> inputNames;
  private final Map<Layer, List<Shape>> firstInputShapes;

  ModelSpec(String kind, List<Node> inputs, List<Node> outputs) {
    if (inputs.isEmpty() || outputs.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one input and one output");
    }
    for (Node in : inputs) {
      if (!in.isInput()) {
        throw new IllegalArgumentException("model inputs must be Input nodes, got " + in);
      }
    }
    this.kind = kind;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.order = topologicalOrder(this.outputs);
    Set<Node> declared = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    declared.addAll(this.inputs);
    for (Node n : order) {
      if (n.isInput() && !declared.contains(n)) {
        throw new IllegalArgumentException("the outputs depend on an input that is not among the model inputs: " + n);
      }
    }
    this.layers = new ArrayList<>();
    this.firstInputShapes = new IdentityHashMap<>();
    for (Node n : order) {
      if (!n.isInput() && !n.isFurtherOutput() && !firstInputShapes.containsKey(n.layer())) {
        layers.add(n.layer());
        firstInputShapes.put(n.layer(), n.inputs().stream().map(Node::shape).toList());
      }
    }
    this.layerNames = nameLayers(layers);
    layers.forEach(l -> layersByName.put(layerNames.get(l), l));
    this.inputNames = nameInputs(this.inputs);
    validateSharedLayersAndPruning();
    validateGlobalGroups();
  }

  private static List<Node> topologicalOrder(List<Node> outputs) {
    List<Node> order = new ArrayList<>();
    Set<Node> done = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Node out : outputs) {
      visit(out, done, order);
    }
    return List.copyOf(order);
  }

  private static void visit(Node node, Set<Node> done, List<Node> order) {
    if (done.contains(node)) {
      return;
    }
    for (Node in : node.dependencies()) {
      visit(in, done, order);
    }
    done.add(node);
    order.add(node);
  }

  private static Map<Layer, String> nameLayers(List<Layer> layers) {
    Map<Layer, String> names = new IdentityHashMap<>();
    Set<String> taken = new java.util.HashSet<>();
    for (Layer l : layers) {
      if (l.name() != null && !taken.add(l.name())) {
        throw new IllegalArgumentException("two layers are named '" + l.name() + "'; layer names must be unique");
      }
    }
    Map<String, Integer> counters = new HashMap<>();
    for (Layer l : layers) {
      String name = l.name();
      if (name == null) {
        String base = snakeCase(l.typeName());
        do {
          int n = counters.merge(base, 1, Integer::sum) - 1;
          name = n == 0 ? base : base + "_" + n;
        } while (taken.contains(name));
        taken.add(name);
      }
      names.put(l, name);
    }
    return names;
  }

  private static Map<Node, String> nameInputs(List<Node> inputs) {
    Map<Node, String> names = new IdentityHashMap<>();
    Set<String> taken = new java.util.HashSet<>();
    for (int i = 0; i < inputs.size(); i++) {
      Node in = inputs.get(i);
      String name = in.inputName() != null ? in.inputName() : (i == 0 ? "input" : "input_" + i);
      if (!taken.add(name)) {
        throw new IllegalArgumentException("two inputs are named '" + name + "'");
      }
      names.put(in, name);
    }
    return names;
  }

  /** Keras naming: MaxPooling2D -> max_pooling2d, Conv2DTranspose -> conv2d_transpose, SimpleRNN -> simple_rnn. */
  static String snakeCase(String typeName) {
    String s = typeName.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
    return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }

  private void validateSharedLayersAndPruning() {
    for (Node n : order) {
      if (n.isInput() || n.isFurtherOutput()) {
        continue;
      }
      List<Shape> shapes = n.inputs().stream().map(Node::shape).toList();
      List<WeightSpec> here = n.layer().weights(shapes);
      List<WeightSpec> first = n.layer().weights(firstInputShapes.get(n.layer()));
      if (!here.equals(first) && !sameShapes(here, first)) {
        throw new IllegalArgumentException("layer '" + layerName(n.layer()) + "' is shared between inputs that need"
            + " different weight shapes: " + describe(first) + " vs " + describe(here));
      }
    }
    for (Layer l : layers) {
      if (l.pruning().isEmpty()) {
        continue;
      }
      PruningSpec spec = l.pruning().get();
      for (WeightSpec w : weights(l)) {
        if (l.prunableWeights().contains(w.name())) {
          try {
            spec.strategy().validate(w.shape());
            spec.strategy().review(w.shape()).ifPresent(note -> WARNINGS.log(System.Logger.Level.WARNING,
                "layer '" + layerName(l) + "' (" + l.typeName() + "), weight '" + w.name() + "': " + note));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer '" + layerName(l) + "' (" + l.typeName() + "), weight '"
                + w.name() + "': " + e.getMessage(), e);
          }
        }
      }
    }
  }

  /**
   * Each global group's name stands for one setting, and its floors fit in what it keeps at the
   * schedule's highest sparsity.
   */
  private void validateGlobalGroups() {
    Map<String, dev.topiary.ops.GlobalPruningSpec> byName = new HashMap<>();
    globalGroups().forEach((group, weights) -> {
      dev.topiary.ops.GlobalPruningSpec other = byName.put(group.name(), group);
      if (other != null) {
        throw new IllegalArgumentException("two global pruning groups are named '" + group.name() + "': " + other
            + " and " + group + "; name them apart with GlobalPruningSpec.named");
      }
      long[] sizes = new long[weights.size()];
      int i = 0;
      for (WeightSpec w : weights.values()) {
        sizes[i++] = w.shape().size();
      }
      group.validate(sizes);
    });
  }

  /**
   * The global pruning groups of this model ({@link #prunedGlobally}), each with its weights by
   * variable name, in layer order.
   */
  public Map<dev.topiary.ops.GlobalPruningSpec, Map<String, WeightSpec>> globalGroups() {
    Map<dev.topiary.ops.GlobalPruningSpec, Map<String, WeightSpec>> out = new LinkedHashMap<>();
    for (Layer l : layers) {
      if (l.pruning().isPresent() && l.pruning().get().strategy() instanceof dev.topiary.ops.GlobalGroupMember m) {
        for (WeightSpec w : weights(l)) {
          if (l.prunableWeights().contains(w.name())) {
            out.computeIfAbsent(m.group(), g -> new LinkedHashMap<>()).put(variableName(l, w.name()), w);
          }
        }
      }
    }
    return out;
  }

  private static boolean sameShapes(List<WeightSpec> a, List<WeightSpec> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).name().equals(b.get(i).name()) || !a.get(i).shape().equals(b.get(i).shape())) {
        return false;
      }
    }
    return true;
  }

  private static String describe(List<WeightSpec> weights) {
    return weights.stream().map(w -> w.name() + w.shape()).toList().toString();
  }

  /** "Sequential" or "Functional". */
  public String kind() {
    return kind;
  }

  public List<Node> inputs() {
    return inputs;
  }

  public List<Node> outputs() {
    return outputs;
  }

  /** Every node, inputs first, each after the nodes it depends on. */
  public List<Node> nodes() {
    return order;
  }

  /** Each distinct layer once, in order of first use. */
  public List<Layer> layers() {
    return List.copyOf(layers);
  }

  public String layerName(Layer layer) {
    String name = layerNames.get(layer);
    if (name == null) {
      throw new IllegalArgumentException(Node.describe(layer) + " is not part of this model");
    }
    return name;
  }

  /**
   * The name of model output {@code i}: its layer's name, with {@code _<index>} for a further output
   * of a layer call (e.g. {@code lstm_1} for an LSTM's hidden state). Used for metrics and signatures.
   */
  public String outputName(int i) {
    Node out = outputs.get(i);
    String base = layerName(out.layer());
    return out.outputIndex() == 0 ? base : base + "_" + out.outputIndex();
  }

  public String inputName(Node input) {
    return inputNames.get(input);
  }

  /** The layer named {@code name}. */
  public Layer layer(String name) {
    Layer layer = layersByName.get(name);
    if (layer == null) {
      throw new IllegalArgumentException("no layer named '" + name + "'; layers: " + layerNames());
    }
    return layer;
  }

  /** The weights of {@code layer}, for the input shapes of its first application. */
  public List<WeightSpec> weights(Layer layer) {
    return layer.weights(firstInputShapes.get(layer));
  }

  /**
   * The weight {@code name} of {@code layer} (one of {@link #weights(Layer)}).
   *
   * @throws IllegalArgumentException naming the layer and its weights when it has none of that name
   */
  public WeightSpec weight(Layer layer, String name) {
    List<WeightSpec> all = weights(layer);
    return all.stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "layer '" + layerName(layer) + "' has no weight '" + name + "' (it has " + all.stream().map(WeightSpec::name).toList()
            + ")"));
  }

  /** Graph variable name of a layer weight: {@code <layer>_<weight>}, e.g. {@code dense_1_kernel}. */
  public String variableName(Layer layer, String weight) {
    return layerName(layer) + "_" + weight;
  }

  /**
   * The initial value of every layer weight by variable name, from the layers' initializers and
   * {@code seed}: what a freshly built model holds, in graph and eager execution alike.
   */
  public Map<String, dev.topiary.dsl.data.HostArray> initialWeights(long seed) {
    Map<String, dev.topiary.dsl.data.HostArray> out = new LinkedHashMap<>();
    for (Layer layer : layers) {
      for (WeightSpec w : weights(layer)) {
        String name = variableName(layer, w.name());
        if (w.shape().size() > Integer.MAX_VALUE - 8) {
          throw new IllegalArgumentException("layer '" + layerName(layer) + "' weight '" + w.name() + "' of shape "
              + w.shape() + " has " + w.shape().size() + " elements; a weight holds at most " + (Integer.MAX_VALUE - 8));
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(Seeds.mix(seed, name));
        out.put(name, dev.topiary.dsl.data.HostArray.ofFloats(w.initializer().values(w.shape(), random), w.shape().asArray()));
      }
    }
    return out;
  }

  /** Variable names of the pruned weights, with the spec of each. */
  public Map<String, PruningSpec> prunedWeights() {
    Map<String, PruningSpec> out = new LinkedHashMap<>();
    for (Layer l : layers) {
      if (l.pruning().isPresent()) {
        for (WeightSpec w : weights(l)) {
          if (l.prunableWeights().contains(w.name())) {
            out.put(variableName(l, w.name()), l.pruning().get());
          }
        }
      }
    }
    return out;
  }

  /** Layers with pruning, by name, with their prunable weights. */
  public Map<String, PruningSpec> prunedLayers() {
    Map<String, PruningSpec> out = new LinkedHashMap<>();
    for (Layer l : layers) {
      l.pruning().ifPresent(p -> out.put(layerName(l), p));
    }
    return out;
  }

  /** This model with every layer replaced by {@code replace.apply(layer)}, sharing and names kept. */
  public ModelSpec mapLayers(UnaryOperator<Layer> replace) {
    Objects.requireNonNull(replace, "mapLayers: replace function must not be null");
    Map<Layer, Layer> replaced = new IdentityHashMap<>();
    Map<Node, Node> copies = new IdentityHashMap<>();
    for (Node n : order) {
      if (n.isInput()) {
        copies.put(n, n);
        continue;
      }
      if (n.isFurtherOutput()) {
        copies.put(n, copies.get(n.output(0)).output(n.outputIndex()));
        continue;
      }
      Layer target = replaced.computeIfAbsent(n.layer(), l -> {
        Layer r = replace.apply(l);
        // Keep the name the model gave the original so that weights keep their names.
        return r.name() == null && r instanceof dev.topiary.dsl.layers.BaseLayer<?> b ? b.named(layerName(l)) : r;
      });
      copies.put(n, Node.of(target, n.inputs().stream().map(copies::get).toList()));
    }
    return new ModelSpec(kind, inputs, outputs.stream().map(copies::get).toList());
  }

  /**
   * This model with {@code spec} on every layer that has prunable weights and that {@code policy}
   * chooses; layers already marked keep their own settings. Layers whose weights {@code spec}'s
   * strategy cannot prune at all (m-by-n on fewer channels than a group needs) stay unpruned, with a
   * warning. {@link PruningPolicy#named} must name prunable layers of this model.
   */
  public ModelSpec prunedWith(PruningSpec spec, PruningPolicy policy) {
    Objects.requireNonNull(spec, "prunedWith: pruning spec must not be null");
    Objects.requireNonNull(policy, "prunedWith: pruning policy must not be null");
    List<Layer> candidates = layers.stream().filter(l -> !l.prunableWeights().isEmpty()).toList();
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("this model has no layer with prunable weights");
    }
    if (policy instanceof PruningPolicy.Named named) {
      List<String> all = layerNames();
      for (String name : new java.util.TreeSet<>(named.names())) {
        if (!all.contains(name)) {
          throw new IllegalArgumentException("PruningPolicy.named: no layer named '" + name + "'; this model's layers: "
              + all + " (prunable: " + candidates.stream().map(this::layerName).toList() + ")");
        }
        if (layer(name).prunableWeights().isEmpty()) {
          throw new IllegalArgumentException("PruningPolicy.named: layer '" + name + "' (" + layer(name).typeName()
              + ") has no prunable weights; prunable layers: " + candidates.stream().map(this::layerName).toList());
        }
      }
    }
    Set<Layer> chosen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < candidates.size(); i++) {
      Layer l = candidates.get(i);
      if (policy.shouldPrune(l, layerName(l), i, candidates.size()) && canPrune(l, spec)) {
        chosen.add(l);
      }
    }
    return mapLayers(l -> chosen.contains(l) && l.pruning().isEmpty() ? l.withPruning(spec) : l);
  }

  /**
   * Whether {@code spec}'s strategy can prune each of {@code layer}'s prunable weights. A whole-model
   * mark skips the layers it cannot prune at all (e.g. m-by-n on a 1-channel conv, which the reference
   * wraps but never prunes) with a warning; marking such a layer explicitly is an error.
   */
  private boolean canPrune(Layer layer, PruningSpec spec) {
    List<String> refused = new ArrayList<>();
    for (WeightSpec w : weights(layer)) {
      if (!layer.prunableWeights().contains(w.name())) {
        continue;
      }
      try {
        spec.strategy().validate(w.shape());
      } catch (IllegalArgumentException e) {
        return true; // a shape the strategy does not take at all stays an error, named by the validation
      }
      try {
        spec.strategy().review(w.shape());
      } catch (IllegalArgumentException e) {
        refused.add("weight '" + w.name() + "': " + e.getMessage());
      }
    }
    if (!refused.isEmpty()) {
      WARNINGS.log(System.Logger.Level.WARNING, "layer '" + layerName(layer) + "' (" + layer.typeName()
          + ") is left unpruned: " + String.join("; ", refused));
      return false;
    }
    return true;
  }

  /**
   * This model with the prunable weights of every layer {@code policy} chooses pruned as one global
   * group ({@link dev.topiary.ops.GlobalPruningSpec}): one schedule, one ranking over all their
   * magnitudes, so that each layer ends at its own sparsity while the group keeps exactly
   * {@code max(round_half_even(float32(N) * (1 - s)), 1)} of its N weights. Layers already marked keep
   * their own settings. A model may hold several groups under different names.
   *
   * @throws IllegalArgumentException if no layer is chosen, the group's name is already used by another
   *     group of this model, or its floors do not fit in what it keeps at the schedule's highest sparsity
   */
  public ModelSpec prunedGlobally(dev.topiary.ops.GlobalPruningSpec group, PruningPolicy policy) {
    Objects.requireNonNull(group, "prunedGlobally: global pruning spec must not be null");
    Objects.requireNonNull(policy, "prunedGlobally: pruning policy must not be null");
    List<Layer> candidates = layers.stream().filter(l -> !l.prunableWeights().isEmpty()).toList();
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("this model has no layer with prunable weights");
    }
    if (policy instanceof PruningPolicy.Named named) {
      for (String name : new java.util.TreeSet<>(named.names())) {
        if (!layerNames().contains(name) || layer(name).prunableWeights().isEmpty()) {
          throw new IllegalArgumentException("PruningPolicy.named: '" + name + "' is not a prunable layer of this model;"
              + " prunable layers: " + candidates.stream().map(this::layerName).toList());
        }
      }
    }
    for (dev.topiary.ops.GlobalPruningSpec existing : globalGroups().keySet()) {
      if (existing.name().equals(group.name())) {
        throw new IllegalArgumentException("this model already has a global pruning group named '" + group.name()
            + "'; name the new one apart with GlobalPruningSpec.named");
      }
    }
    Set<Layer> chosen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (int i = 0; i < candidates.size(); i++) {
      Layer l = candidates.get(i);
      if (l.pruning().isEmpty() && policy.shouldPrune(l, layerName(l), i, candidates.size())) {
        chosen.add(l);
      }
    }
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("global pruning group '" + group.name() + "': the policy chose no unpruned"
          + " layer with prunable weights");
    }
    dev.topiary.ops.PruningSpec member = group.memberSpec();
    return mapLayers(l -> chosen.contains(l) ? l.withPruning(member) : l);
  }

  /** This model with every prunable layer's weights pruned as one global group. */
  public ModelSpec prunedGlobally(dev.topiary.ops.GlobalPruningSpec group) {
    return prunedGlobally(group, PruningPolicy.all());
  }

  /** This model with every layer marked for pruning. */
  public ModelSpec prunedWith(PruningSpec spec) {
    return prunedWith(spec, PruningPolicy.all());
  }

  /** This model without any pruning: what {@link Model#strip()} builds. */
  public ModelSpec withoutPruning() {
    return mapLayers(l -> l.pruning().isPresent() ? l.withoutPruning() : l);
  }

  /** Makes the context each layer call builds with. */
  @FunctionalInterface
  public interface ContextFactory {
    /**
     * The context for the {@code call}-th application (0 first) of {@code layer}, whose inputs carry
     * {@code inputMasks} (one per input, null where an input has none).
     */
    LayerContext create(Layer layer, int call,
        List<org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool>> inputMasks);
  }

  /**
   * Builds the forward pass of this model on {@code inputs} (one per model input), layer by layer in
   * dependency order, carrying masks between layers; returns one operand per model output. Graph and
   * eager models build through this one traversal.
   */
  public List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> forward(
      List<? extends org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs, ContextFactory contexts) {
    Map<Node, org.tensorflow.Operand<org.tensorflow.types.TFloat32>> values = new IdentityHashMap<>();
    Map<Node, org.tensorflow.Operand<org.tensorflow.types.TBool>> masks = new IdentityHashMap<>();
    for (int i = 0; i < this.inputs.size(); i++) {
      values.put(this.inputs.get(i), inputs.get(i));
    }
    Map<Layer, Integer> calls = new IdentityHashMap<>();
    Map<Node, List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>>> allOutputs = new IdentityHashMap<>();
    for (Node n : order) {
      if (n.isInput()) {
        continue;
      }
      if (n.isFurtherOutput()) {
        values.put(n, allOutputs.get(n.output(0)).get(n.outputIndex()));
        continue;
      }
      Layer layer = n.layer();
      int call = calls.merge(layer, 1, Integer::sum) - 1;
      List<org.tensorflow.Operand<org.tensorflow.types.TBool>> inMasks = new ArrayList<>();
      for (Node i : n.inputs()) {
        inMasks.add(masks.get(i));
      }
      org.tensorflow.Operand<org.tensorflow.types.TBool> mask = inMasks.get(0);
      LayerContext context = contexts.create(layer, call, java.util.Collections.unmodifiableList(inMasks));
      List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> in = n.inputs().stream().map(values::get).toList();
      List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> outs = layer.callOutputs(context, in);
      allOutputs.put(n, outs);
      values.put(n, outs.get(0));
      org.tensorflow.Operand<org.tensorflow.types.TBool> out = layer.outputMask(context, in, mask);
      if (out != null) {
        masks.put(n, out);
      }
    }
    return outputs.stream().map(values::get).toList();
  }

  /**
   * Checks {@code inputs} against this model's inputs (count, float values, example shapes, equal
   * example counts, at least one example) and returns the number of examples.
   *
   * @throws IllegalArgumentException naming the input and the expected and actual shapes
   */
  public int checkInputs(List<dev.topiary.dsl.data.HostArray> inputs, String what) {
    if (inputs.size() != this.inputs.size()) {
      throw new IllegalArgumentException("the model has " + this.inputs.size() + " input(s) but " + inputs.size()
          + " " + what + " input array(s) were given");
    }
    int examples = -1;
    for (int i = 0; i < inputs.size(); i++) {
      Node in = this.inputs.get(i);
      dev.topiary.dsl.data.HostArray x = inputs.get(i);
      long[] expected = dev.topiary.dsl.layers.Shapes.withoutBatch(in.shape());
      if (x.dtype() != dev.topiary.dsl.data.HostArray.DType.FLOAT32 || !java.util.Arrays.equals(x.exampleShape(), expected)) {
        throw new IllegalArgumentException("input '" + inputName(in) + "' takes float examples of shape "
            + dev.topiary.dsl.layers.Shapes.format(in.shape()) + ", got " + x);
      }
      if (examples >= 0 && x.examples() != examples) {
        throw new IllegalArgumentException("input arrays disagree on the number of examples: " + examples + " vs "
            + x.examples());
      }
      examples = x.examples();
    }
    if (examples == 0) {
      throw new IllegalArgumentException("no " + what + " examples were given");
    }
    return examples;
  }

  /** Builds the model into a new graph, ready to train. */
  public Model compile(Compile compile) {
    Objects.requireNonNull(compile, "compile: compile settings must not be null");
    return dev.topiary.dsl.runtime.RuntimeModel.graph(this, compile);
  }

  /** The definition-time summary (no sparsity measured yet). */
  public ModelSummary summary() {
    return ModelSummary.of(this, Map.of());
  }

  /** Names of all layers, in order. */
  public List<String> layerNames() {
    List<String> names = new ArrayList<>();
    for (Layer l : layers) {
      names.add(layerNames.get(l));
    }
    return names;
  }

  /**
   * What this model is, e.g. {@code Sequential(input (None, 28, 28) -> 5 layers -> dense (None, 10);
   * pruned: dense)}: its kind, inputs and outputs by name with their shapes, the number of layers and
   * the pruned layers ({@code none} without pruning).
   */
  @Override
  public String toString() {
    String ins = inputs.stream().map(n -> inputName(n) + " " + dev.topiary.dsl.layers.Shapes.format(n.shape()))
        .collect(java.util.stream.Collectors.joining(", "));
    String outs = java.util.stream.IntStream.range(0, outputs.size())
        .mapToObj(i -> outputName(i) + " " + dev.topiary.dsl.layers.Shapes.format(outputs.get(i).shape()))
        .collect(java.util.stream.Collectors.joining(", "));
    Set<String> pruned = prunedLayers().keySet();
    return kind + "(" + ins + " -> " + layers.size() + (layers.size() == 1 ? " layer" : " layers") + " -> " + outs
        + "; pruned: " + (pruned.isEmpty() ? "none" : String.join(", ", pruned)) + ")";
  }
}
