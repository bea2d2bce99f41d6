package dev.topiary.dsl;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateTensor;
import dev.topiary.ops.PrunedWeight;
import dev.topiary.ops.PruningHook;
import dev.topiary.ops.PruningStep;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A model built into a TensorFlow graph: one set of variables, a training pass (with the pruning
 * update pulled in by every pruned weight read), an inference pass (weights read through their
 * masks), the loss, metrics and the optimizer step. All ops are made once, here; training only runs
 * them.
 */
final class GraphModel implements Model {
  private final ModelSpec spec;
  private final Compile compile;
  private final Graph graph;
  private final Session session;
  private final Ops tf;
  private final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
  private final Map<String, Placeholder<TFloat32>> loadFeeds = new HashMap<>();
  private final Op loadAll;
  private final boolean trainable;
  private final @Nullable PruningStep step;
  private final @Nullable PruningHook pruning;
  /** Pruned weights by variable name. */
  private final Map<String, PrunedWeight> pruned = new LinkedHashMap<>();
  final List<Placeholder<TFloat32>> inputFeeds = new ArrayList<>();
  /** The step of the batch being trained, fed by the host loop (seeds stateless random ops). */
  final Placeholder<TInt64> stepFeed;
  final List<Placeholder<?>> labelFeeds = new ArrayList<>();
  final List<Operand<TFloat32>> inferenceOutputs;
  /** Weight values as inference reads them (masked where pruned), by variable name. */
  private final Map<String, Operand<TFloat32>> inferenceReads = new LinkedHashMap<>();
  final @Nullable Op trainStep;
  final @Nullable Objectives trainObjectives;
  final Objectives evalObjectives;
  private final Map<String, Operand<TFloat32>> sparsityOps = new LinkedHashMap<>();
  private TensorBoardWriter tensorBoard;
  private Map<String, Placeholder<?>> restoreFeeds;
  private Op restoreAll;
  private final Map<String, Op> restoreAssigns = new HashMap<>();

  /** The loss and metric ops of one pass, each a batch mean. */
  record Objectives(Operand<TFloat32> loss, Map<String, Operand<TFloat32>> metrics) {}

  static GraphModel build(ModelSpec spec, Compile compile) {
    return new GraphModel(spec, compile, true);
  }

  /** A graph with the inference pass only: no training pass, optimizer, step or pruning state. */
  static GraphModel buildForInference(ModelSpec spec, Compile compile) {
    if (!spec.prunedLayers().isEmpty()) {
      throw new IllegalArgumentException("an inference graph holds no pruning state: strip the model first");
    }
    return new GraphModel(spec, compile, false);
  }

  private GraphModel(ModelSpec spec, Compile compile, boolean trainable) {
    dev.topiary.ops.TensorFlowRuntime.requireSupported();
    this.spec = spec;
    this.compile = compile;
    this.trainable = trainable;
    this.graph = new Graph();
    try {
      this.tf = Ops.create(graph);
      createVariables();
      this.loadAll = tf.withControlDependencies(variables.keySet().stream()
          .map(name -> (Op) tf.withName(name + "_load").assign(variables.get(name), loadFeeds.get(name)))
          .toList()).withName("load_weights").noOp();
      this.step = trainable ? PruningStep.create(tf, ModelSpec.STEP_VARIABLE) : null;
      this.pruning = trainable ? createPruning() : null;

      this.stepFeed = tf.withName("step_feed").placeholder(TInt64.class,
          Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
      for (Node in : spec.inputs()) {
        inputFeeds.add(tf.withName(spec.inputName(in)).placeholder(TFloat32.class, Placeholder.shape(in.shape())));
      }
      for (int i = 0; i < spec.outputs().size(); i++) {
        Node out = spec.outputs().get(i);
        var labelShape = Placeholder.shape(compile.loss().labelShape(out.shape()));
        labelFeeds.add(compile.loss().integerLabels()
            ? tf.withName("label_" + i).placeholder(TInt32.class, labelShape)
            : tf.withName("label_" + i).placeholder(TFloat32.class, labelShape));
      }

      this.inferenceOutputs = new Pass(false).run(inputFeeds);
      this.evalObjectives = objectives(inferenceOutputs, "eval");
      if (trainable) {
        Pass training = new Pass(true);
        this.trainObjectives = objectives(training.run(inputFeeds), "train");
        this.trainStep = createTrainStep(training);
      } else {
        this.trainObjectives = null;
        this.trainStep = null;
      }
      for (var e : pruned.entrySet()) {
        sparsityOps.put(e.getKey(), dev.topiary.ops.Measurements.sparsity(tf, inferenceReads.get(e.getKey())));
      }
      this.session = new Session(graph);
      initializeWeights();
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  private void createVariables() {
    for (Layer layer : spec.layers()) {
      for (WeightSpec w : spec.weights(layer)) {
        String name = spec.variableName(layer, w.name());
        variables.put(name, tf.withName(name).variable(w.shape(), TFloat32.class));
        loadFeeds.put(name, tf.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(w.shape())));
      }
    }
  }

  private PruningHook createPruning() {
    PruningHook.Builder builder = PruningHook.builder(tf).step(step);
    boolean any = false;
    for (Layer layer : spec.layers()) {
      if (layer.pruning().isEmpty()) {
        continue;
      }
      for (WeightSpec w : spec.weights(layer)) {
        if (layer.prunableWeights().contains(w.name())) {
          builder.prune(variables.get(spec.variableName(layer, w.name())), layer.pruning().get());
          any = true;
        }
      }
    }
    if (!any) {
      return null;
    }
    PruningHook hook = builder.build();
    for (PrunedWeight w : hook.weights()) {
      pruned.put(w.name(), w);
    }
    return hook;
  }

  /** One forward pass over the model's nodes, training or inference. */
  private final class Pass {
    final boolean training;
    final Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();
    final List<Op> updates = new ArrayList<>();

    Pass(boolean training) {
      this.training = training;
    }

    List<Operand<TFloat32>> run(List<? extends Operand<TFloat32>> inputs) {
      List<Operand<TFloat32>> values = spec.forward(inputs, (layer, call, mask) -> {
        String layerName = spec.layerName(layer);
        Ops scope = tf.withSubScope(tf.scope().makeUnique(
            (training ? "train_" : "infer_") + layerName + (call == 0 ? "" : "_call" + call)));
        return context(scope, layer, layerName, mask);
      });
      List<Operand<TFloat32>> outputs = new ArrayList<>();
      for (int i = 0; i < spec.outputs().size(); i++) {
        // An identity per output: a model whose output is an input must not fetch what it feeds.
        String name = tf.scope().makeUnique((training ? "train_output_" : "output_") + i);
        outputs.add(tf.withName(name).identity(values.get(i)));
      }
      return outputs;
    }

    private LayerContext context(Ops scope, Layer layer, String layerName, @Nullable Operand<org.tensorflow.types.TBool> mask) {
      long seed = Seeds.mix(compile.seed(), layerName);
      return new LayerContext() {
        @Override
        public @Nullable Operand<org.tensorflow.types.TBool> inputMask() {
          return mask;
        }

        @Override
        public Ops tf() {
          return scope;
        }

        @Override
        public Operand<TFloat32> weight(String name) {
          String variable = spec.variableName(layer, name);
          Variable<TFloat32> v = variables.get(variable);
          if (v == null) {
            throw new IllegalArgumentException("layer '" + layerName + "' has no weight '" + name + "'");
          }
          return reads.computeIfAbsent(variable, k -> read(k, v));
        }

        @Override
        public boolean training() {
          return training;
        }

        @Override
        public Operand<TInt64> step() {
          if (!training) {
            throw new IllegalStateException("the step exists in the training pass only");
          }
          return stepFeed;
        }

        @Override
        public long seed() {
          return seed;
        }

        @Override
        public void addUpdate(Op update) {
          if (!training) {
            throw new IllegalStateException("updates belong to the training pass");
          }
          updates.add(update);
        }

        @Override
        public Op assign(String name, Operand<TFloat32> value) {
          return scope.assign(variables.get(spec.variableName(layer, name)), value);
        }
      };
    }

    private Operand<TFloat32> read(String name, Variable<TFloat32> v) {
      PrunedWeight p = pruned.get(name);
      if (training) {
        return p != null ? pruning.read(v) : tf.withName(tf.scope().makeUnique(name + "_read")).identity(v);
      }
      Operand<TFloat32> value = p != null
          ? tf.withName(tf.scope().makeUnique(name + "_masked")).math.mul(tf.identity(v), tf.identity(p.mask()))
          : tf.withName(tf.scope().makeUnique(name + "_infer_read")).identity(v);
      inferenceReads.putIfAbsent(name, value);
      return value;
    }
  }

  private Objectives objectives(List<Operand<TFloat32>> outputs, String prefix) {
    Ops scope = tf.withSubScope(prefix + "_objectives");
    Operand<TFloat32> loss = null;
    Map<String, Operand<TFloat32>> metrics = new LinkedHashMap<>();
    for (int i = 0; i < outputs.size(); i++) {
      Operand<TFloat32> perExample = compile.loss().perExample(scope, outputs.get(i), labelFeeds.get(i));
      Operand<TFloat32> mean = scope.math.mean(perExample, scope.constant(0));
      loss = loss == null ? mean : scope.math.add(loss, mean);
      for (var metric : compile.metrics()) {
        String name = (outputs.size() == 1 ? "" : spec.outputName(i) + "_") + metric.logName();
        metrics.put(name, scope.math.mean(metric.perExample(scope, outputs.get(i), labelFeeds.get(i),
            compile.loss()), scope.constant(0)));
      }
    }
    return new Objectives(loss, metrics);
  }

  private Op createTrainStep(Pass training) {
    dev.topiary.dsl.training.Gradients.ensureRegistered();
    List<String> names = new ArrayList<>();
    List<Output<?>> reads = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      for (WeightSpec w : spec.weights(layer)) {
        String name = spec.variableName(layer, w.name());
        if (w.trainable() && training.reads.containsKey(name)) {
          names.add(name);
          reads.add(training.reads.get(name).asOutput());
        }
      }
    }
    List<Op> after = new ArrayList<>(training.updates);
    if (!reads.isEmpty()) {
      Output<?>[] grads = graph.addGradients(trainObjectives.loss().asOutput(), reads.toArray(new Output<?>[0]));
      // Reads of reference variables alias the variable's buffer, so an optimizer update could
      // overwrite a weight while another gradient still reads it. Gate every update behind all
      // gradients (TF1's GATE_GRAPH): training is then deterministic for a fixed seed.
      List<Op> gradientOps = new ArrayList<>();
      for (Output<?> g : grads) {
        if (g != null) {
          gradientOps.add(asOp(g));
        }
      }
      Op allGradients = tf.withControlDependencies(gradientOps).withName("all_gradients").noOp();
      Ops gated = tf.withSubScope("gated_gradients").withControlDependencies(List.of(allGradients));
      List<Optimizer.Gradient> pairs = new ArrayList<>();
      for (int i = 0; i < grads.length; i++) {
        if (grads[i] != null) {
          pairs.add(new Optimizer.Gradient(variables.get(names.get(i)), gated.identity(floats(grads[i]))));
        }
      }
      if (pairs.isEmpty()) {
        throw new IllegalArgumentException("the loss does not depend on any trainable weight");
      }
      after.add(compile.optimizer().apply(tf.withSubScope("optimizer"), pairs));
    }
    if (pruning == null) {
      after.add(tf.withControlDependencies(after).assignAdd(step.variable(), tf.constant(1L)));
    } else {
      // The step advances inside the pruning update, which every pruned read pulls in.
      after.add(pruning.update());
    }
    return tf.withControlDependencies(after).withName("train_step").noOp();
  }

  private static Op asOp(Output<?> output) {
    org.tensorflow.Operation operation = output.op();
    return () -> operation;
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> floats(Output<?> output) {
    return (Operand<TFloat32>) output;
  }

  private void initializeWeights() {
    setWeights(spec.initialWeights(compile.seed()));
  }

  // ---- runtime -------------------------------------------------------------------------------

  /** The training-pass loss on one batch, without training (gradient checks use it). */
  float trainingLoss(List<HostArray> inputs, List<HostArray> labels) {
    requireTrainable();
    return FitLoop.loss(this, inputs, labels, trainObjectives);
  }

  Session session() {
    return session;
  }

  Ops tf() {
    return tf;
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public Compile compileSettings() {
    return compile;
  }

  @Override
  public ExecutionMode executionMode() {
    return ExecutionMode.GRAPH;
  }

  @Override
  public Snapshot snapshot() {
    List<String> names = stateVariableNames();
    Session.Runner runner = session.runner();
    for (String name : names) {
      runner.fetch(tf.identity((Operand<?>) graph.operation(name).output(0)));
    }
    Map<String, StateTensor> out = new LinkedHashMap<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        out.put(names.get(i), StateTensor.of(r.get(i)));
      }
    }
    return new Snapshot(out);
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void restore(Snapshot snapshot) {
    List<String> names = stateVariableNames();
    for (String name : names) {
      StateTensor value = snapshot.variables().get(name);
      if (value == null) {
        if (isOptimizerState(name)) {
          continue; // a snapshot of a model that never trained: the optimizer starts fresh
        }
        throw new IllegalArgumentException("the snapshot has no variable '" + name + "' that this model needs");
      }
      Output<?> variable = graph.operation(name).output(0);
      long[] shape = variable.shape().asArray();
      if (!java.util.Arrays.equals(shape, value.shape()) || variable.type() != (value.dtype() == StateTensor.DType.FLOAT32 ? TFloat32.class : TInt64.class)) {
        throw new IllegalArgumentException("variable '" + name + "' is " + variable.dataType() + java.util.Arrays.toString(shape)
            + " in this model but " + value + " in the snapshot");
      }
    }
    if (restoreFeeds == null) {
      restoreFeeds = new LinkedHashMap<>();
      List<Op> assigns = new ArrayList<>();
      for (String name : names) {
        Output<?> variable = graph.operation(name).output(0);
        String flat = name.replace('/', '_');
        Placeholder<?> feed = tf.withName(flat + "_restore_value").placeholder((Class) variable.type());
        restoreFeeds.put(name, feed);
        Op assign = tf.withName(flat + "_restore").assign((Operand) variable, (Operand) feed);
        restoreAssigns.put(name, assign);
        assigns.add(assign);
      }
      restoreAll = tf.withControlDependencies(assigns).withName("restore_state").noOp();
    }
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      boolean complete = true;
      for (var e : restoreFeeds.entrySet()) {
        StateTensor value = snapshot.variables().get(e.getKey());
        if (value == null) {
          complete = false;
          continue;
        }
        Tensor t = value.toTensor();
        tensors.add(t);
        runner.feed(e.getValue(), t);
      }
      if (complete) {
        runner.addTarget(restoreAll).run();
      } else {
        for (String name : restoreFeeds.keySet()) {
          if (snapshot.variables().containsKey(name)) {
            runner.addTarget(restoreAssigns.get(name));
          }
        }
        runner.run();
      }
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  /** Optimizer slots and counters live under the "optimizer" scope. */
  private static boolean isOptimizerState(String name) {
    return name.startsWith("optimizer/");
  }

  /** Names of every variable op in the graph, in creation order. */
  private List<String> stateVariableNames() {
    List<String> names = new ArrayList<>();
    var it = graph.operations();
    while (it.hasNext()) {
      var op = it.next();
      if (op.type().equals("VariableV2")) {
        names.add(op.name());
      }
    }
    return names;
  }

  @Override
  public Operand<TFloat32> call(Operand<TFloat32> input) {
    if (input.env() != graph) {
      throw new IllegalArgumentException(input.env().isEager()
          ? "an eager operand was passed to a graph model: execution modes cannot be mixed (the analogue of"
              + " running tf.compat.v1 graph code on TF2 eager tensors); pass an operand of this model's graph"
              + " or use an eager model"
          : "the operand belongs to another graph than this model's");
    }
    if (spec.inputs().size() != 1) {
      throw new IllegalArgumentException("call(Operand) needs a single-input model; this one has " + spec.inputs().size());
    }
    return new Pass(false).run(List.of(input)).get(0);
  }

  @Override
  public History fit(List<HostArray> inputs, List<HostArray> labels, Fit fit) {
    requireTrainable();
    return new FitLoop(this, fit).run(inputs, labels);
  }

  private void requireTrainable() {
    if (!trainable) {
      throw new IllegalStateException("this model was built for inference only");
    }
  }

  @Override
  public void exportSavedModel(java.nio.file.Path dir) throws java.io.IOException {
    try (GraphModel inference = buildForInference(spec.withoutPruning(), compile)) {
      inference.setWeights(weights());
      org.tensorflow.Signature.Builder signature = org.tensorflow.Signature.builder(org.tensorflow.Signature.DEFAULT_KEY);
      for (int i = 0; i < spec.inputs().size(); i++) {
        signature.input(spec.inputName(spec.inputs().get(i)), inference.inputFeeds.get(i));
      }
      for (int i = 0; i < spec.outputs().size(); i++) {
        signature.output(spec.outputName(i), inference.inferenceOutputs.get(i));
      }
      dev.topiary.dsl.export.SavedModels.exportAtomically(dir, inference.session, signature.build());
    }
  }

  @Override
  public Map<String, Double> evaluate(List<HostArray> inputs, List<HostArray> labels, int batchSize) {
    return FitLoop.evaluate(this, inputs, labels, batchSize);
  }

  @Override
  public List<HostArray> predict(List<HostArray> inputs, int batchSize) {
    return FitLoop.predict(this, inputs, batchSize);
  }

  @Override
  public Model strip() {
    GraphModel plain = build(spec.withoutPruning(), compile);
    try {
      plain.setWeights(weights());
      return plain;
    } catch (RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  @Override
  public ModelSummary summary() {
    return ModelSummary.of(spec, sparsity());
  }

  @Override
  public Map<String, HostArray> weights() {
    Session.Runner runner = session.runner();
    List<String> names = new ArrayList<>(variables.keySet());
    for (String name : names) {
      Operand<TFloat32> read = inferenceReads.get(name);
      runner.fetch(read != null ? read : tf.identity(variables.get(name)));
    }
    Map<String, HostArray> out = new LinkedHashMap<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        out.put(names.get(i), HostArray.fromTensor((TFloat32) r.get(i)));
      }
    }
    return out;
  }

  @Override
  public void setWeights(Map<String, HostArray> weights) {
    for (String name : weights.keySet()) {
      if (!variables.containsKey(name)) {
        throw new IllegalArgumentException("unknown weight '" + name + "'; this model has " + variables.keySet());
      }
    }
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (var e : variables.entrySet()) {
        HostArray value = weights.get(e.getKey());
        if (value == null) {
          throw new IllegalArgumentException("weight '" + e.getKey() + "' is missing; every weight must be given");
        }
        if (!java.util.Arrays.equals(value.shape(), e.getValue().shape().asArray()) || value.isIntegral()) {
          throw new IllegalArgumentException("weight '" + e.getKey() + "' must be float of shape "
              + e.getValue().shape() + ", got " + value);
        }
        Tensor t = value.toTensor();
        tensors.add(t);
        runner.feed(loadFeeds.get(e.getKey()), t);
      }
      runner.addTarget(loadAll).run();
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  @Override
  public Map<String, Double> sparsity() {
    Map<String, Double> out = new LinkedHashMap<>();
    if (sparsityOps.isEmpty()) {
      return out;
    }
    Session.Runner runner = session.runner();
    sparsityOps.values().forEach(runner::fetch);
    try (Result r = runner.run()) {
      int i = 0;
      for (String name : sparsityOps.keySet()) {
        out.put(name, (double) ((TFloat32) r.get(i++)).getFloat());
      }
    }
    return out;
  }

  /** Element counts of the pruned weights, for a size-weighted overall sparsity. */
  Map<String, Long> prunedSizes() {
    Map<String, Long> out = new LinkedHashMap<>();
    pruned.forEach((name, w) -> out.put(name, w.weight().shape().size()));
    return out;
  }

  PruningHook pruningHook() {
    return pruning;
  }

  @Override
  public long step() {
    if (step == null) {
      return 0;
    }
    try (Result r = session.runner().fetch(step.read(tf)).run()) {
      return ((TInt64) r.get(0)).getLong();
    }
  }

  TensorBoardWriter tensorBoard(java.nio.file.Path dir) {
    if (tensorBoard == null || !tensorBoard.dir().equals(dir)) {
      if (tensorBoard != null) {
        tensorBoard.close();
      }
      tensorBoard = new TensorBoardWriter(this, dir);
    }
    return tensorBoard;
  }

  @Override
  public void close() {
    if (tensorBoard != null) {
      tensorBoard.close();
    }
    session.close();
    graph.close();
  }
}
