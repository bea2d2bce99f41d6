package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.Measurements;
import dev.topiary.ops.PrunedWeight;
import dev.topiary.ops.PruningHook;
import dev.topiary.ops.PruningState;
import dev.topiary.ops.PruningStep;
import dev.topiary.ops.SubScopes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * The graph executor: one graph holding the variables, the training pass (with the pruning update
 * pulled in by every pruned weight read), the inference pass (weights read through their masks),
 * the objectives, the optimizer step, and every op that reading or writing the state needs. All ops
 * are made in the constructor; afterwards the graph never grows, whatever is run how often.
 */
public final class GraphExecutor implements Executor {
  private final ModelSpec spec;
  private final Graph graph;
  private final Session session;
  private final Ops tf;
  private final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
  private final Map<String, Placeholder<TFloat32>> loadFeeds = new LinkedHashMap<>();
  /** Each layer weight's assignment from its load feed, also its restore (one pair of ops per weight). */
  private final Map<String, Op> loadAssigns = new LinkedHashMap<>();
  private final Op loadAll;
  private final PruningStep step;
  private final @Nullable PruningHook pruning;
  private final Map<String, PrunedWeight> pruned = new LinkedHashMap<>();
  /** Placeholders, or with worker input placeholders with the dequeued batch as default. */
  private final List<Operand<TFloat32>> inputFeeds = new ArrayList<>();
  /** The step of the batch being trained, fed by the host loop (seeds stateless random ops). */
  private final Placeholder<TInt64> stepFeed;
  private final List<Operand<?>> labelFeeds = new ArrayList<>();
  /** Whether the training step takes its batch from the worker's input queue when nothing is fed. */
  private final boolean workerBatches;
  /** Per-example loss weights, ones unless fed. */
  private final Operand<TFloat32> sampleWeightFeed;
  private final List<Operand<TFloat32>> inferenceOutputs;
  private final Objectives evalObjectives;
  private final Objectives trainObjectives;
  private final Op trainStep;
  /** Weight values as inference reads them (masked where pruned), by variable name. */
  private final Map<String, Operand<TFloat32>> weightReads = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> sparsityOps = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> summaryOps;
  private final Operand<TInt64> stepRead;
  /**
   * The step while the host knows it without a session run (right after the build: the step
   * variable's initial value), else -1. Every session run with a new combination of feeds and fetches
   * makes TF prune and optimize the whole graph (InceptionResNetV2: 0.2-0.3 s for a scalar read), and
   * a fit starts by asking for the step. Anything that may move the step forgets it.
   */
  private long knownStep = -1;
  private final Map<String, StateContract.Layout> layout = new LinkedHashMap<>();
  private final Map<String, Output<?>> stateReads = new LinkedHashMap<>();
  private final Map<String, Placeholder<?>> restoreFeeds = new LinkedHashMap<>();
  private final Map<String, Op> restoreAssigns = new LinkedHashMap<>();
  private final Op restoreAll;
  /** The ops TF Java registered as initializers (variables' initial values), run once with the first load. */
  private final List<Operation> initializers = new ArrayList<>();
  /** How this graph takes part in a multi-worker fit, or null in one process. */
  private final @Nullable Replication replication;
  /** The batch's number of examples as a float (weights replicas' contributions), replicas only. */
  private @Nullable Operand<TFloat32> batchExamples;

  /**
   * What makes a graph one replica of a synchronous multi-worker fit (package
   * {@code dev.topiary.dsl.distributed}): where its ops run, how gradients and assigned statistics
   * are combined across replicas (collective all-reduce), and the session on its worker. Everything
   * else — passes, pruning, optimizer, state ops — is built exactly as in one process.
   */
  public interface Replication {
    /** The device of every op this graph places (gradient ops follow their forward ops). */
    org.tensorflow.DeviceSpec device();

    /**
     * The gradients of every replica combined into the gradients of the whole global batch, the same
     * values on every replica; {@code examples} is this replica's batch size.
     */
    List<Operand<TFloat32>> allReduce(Ops tf, List<Operand<TFloat32>> gradients, Operand<TFloat32> examples);

    /** A value a training pass assigns (batch-norm statistics), averaged over the replicas by examples. */
    Operand<TFloat32> average(Ops tf, Operand<TFloat32> value, Operand<TFloat32> examples);

    /** A session on the finished graph, running on this replica's worker, its initializers run. */
    Session open(Graph graph);

    /**
     * When this replica's worker reads its own data: the next batch, dequeued on the worker, as one
     * operand per component of {@code types} (the model's inputs, its labels, sample weights). Null
     * (the default) when the chief feeds every batch.
     */
    default @Nullable List<Operand<?>> workerBatch(Ops tf, List<Class<? extends TType>> types) {
      return null;
    }
  }

  /**
   * A trainable model graph of {@code spec}, its weights initialized from the compile seed. (Exports
   * build their own inference-only graph: {@link InferenceGraph}.)
   */
  public static GraphExecutor build(ModelSpec spec, Compile compile) {
    return new GraphExecutor(spec, compile, null, null);
  }

  /**
   * A trainable model graph of {@code spec} holding {@code weights} (every layer weight by variable
   * name, already checked) from the start: the state {@link #build} followed by {@link #loadWeights}
   * gives, without generating random initial values that would be overwritten.
   */
  public static GraphExecutor build(ModelSpec spec, Compile compile, Map<String, HostArray> weights) {
    return new GraphExecutor(spec, compile, null, weights);
  }

  /** One replica of a multi-worker fit: the same graph, placed and combined by {@code replication}. */
  public static GraphExecutor replica(ModelSpec spec, Compile compile, Replication replication) {
    return new GraphExecutor(spec, compile, replication, null);
  }

  /**
   * The session settings of a model graph: TF's graph optimizer (Grappler) as by default, but one
   * round of its optimizers instead of two, and without the optimizers that change nothing in the
   * graphs Topiary builds. Grappler runs on every new combination of feeds and fetches, and on the
   * training step of a large model it took most of the first step (InceptionResNetV2, 29k nodes: 13 s
   * of a 19 s first step on a loaded 2-core machine), its second round finding nothing left to change
   * (3 of 9k nodes). Off: the memory optimizer (recomputation and swapping, for accelerators), the
   * layout optimizer (NCHW/NHWC conversion; every Topiary op is NHWC, and on a CPU it converts
   * nothing by default), the shape optimizer and the MLIR (TFG) pass (shape attributes, no rewrite):
   * none of them changed a node of a Keras Applications training graph. Also off: the loop optimizer
   * and the implementation selector, which changed no node or edge in any graph Topiary builds (Keras
   * Applications, pruned or not; the GRU's functional loop and its functions, as TF's log shows), and
   * took 10-20 % of a first step at batch 1 (MobileNetV2 1.35 -> 1.21 s, NASNetMobile 6.2 -> 5.5 s).
   * On: what makes the step fast (model pruning, common subexpressions, constant folding, arithmetic,
   * remapper fusions, dependency pruning).
   */
  static org.tensorflow.proto.ConfigProto sessionConfig() {
    return org.tensorflow.proto.ConfigProto.newBuilder()
        .setGraphOptions(org.tensorflow.proto.GraphOptions.newBuilder()
            .setRewriteOptions(org.tensorflow.proto.RewriterConfig.newBuilder()
                .setMetaOptimizerIterations(org.tensorflow.proto.RewriterConfig.NumIterationsType.ONE)
                .setMemoryOptimization(org.tensorflow.proto.RewriterConfig.MemOptType.NO_MEM_OPT)
                .setLayoutOptimizer(org.tensorflow.proto.RewriterConfig.Toggle.OFF)
                .setShapeOptimization(org.tensorflow.proto.RewriterConfig.Toggle.OFF)
                .setLoopOptimization(org.tensorflow.proto.RewriterConfig.Toggle.OFF)
                .setImplementationSelector(org.tensorflow.proto.RewriterConfig.Toggle.OFF)
                .setDisableTfgOptimizer(true)))
        .build();
  }

  @SuppressWarnings("this-escape")
  private GraphExecutor(ModelSpec spec, Compile compile, @Nullable Replication replication,
      @Nullable Map<String, HostArray> weights) {
    dev.topiary.ops.TensorFlowRuntime.requireSupported();
    this.spec = spec;
    this.replication = replication;
    // Compute the initial weights before anything native exists: a model too large for the host
    // fails here with its layer named, and nothing needs closing. Given weights (a model read from a
    // file) are used as they are: random values would only be overwritten.
    Map<String, HostArray> initial = weights != null ? weights : spec.initialWeights(compile.seed());
    Graph g = new Graph();
    Session s = null;
    try {
      this.graph = g;
      this.tf = replication == null ? Ops.create(graph) : Ops.create(graph).withDevice(replication.device());
      createVariables();
      variables.forEach((name, variable) ->
          loadAssigns.put(name, tf.withName(name + "_load").assign(variable, loadFeeds.get(name))));
      this.loadAll = tf.withControlDependencies(List.copyOf(loadAssigns.values())).withName("load_weights").noOp();
      this.step = PruningStep.create(tf);
      this.pruning = createPruning();

      this.stepFeed = tf.withName("step_feed").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      List<Class<? extends TType>> types = new ArrayList<>();
      spec.inputs().forEach(in -> types.add(TFloat32.class));
      spec.outputs().forEach(out -> types.add(compile.loss().integerLabels() ? TInt32.class : TFloat32.class));
      types.add(TFloat32.class);
      List<Operand<?>> queued = replication == null ? null : replication.workerBatch(tf, types);
      this.workerBatches = queued != null;
      int component = 0;
      for (Node in : spec.inputs()) {
        inputFeeds.add(queued == null
            ? tf.withName(spec.inputName(in)).placeholder(TFloat32.class, Placeholder.shape(in.shape()))
            : this.<TFloat32>fedOr(queued.get(component), in.shape(), spec.inputName(in)));
        component++;
      }
      for (int i = 0; i < spec.outputs().size(); i++) {
        Node out = spec.outputs().get(i);
        Shape shape = compile.loss().labelShape(out.shape());
        var labelShape = Placeholder.shape(shape);
        labelFeeds.add(queued != null ? fedOr(queued.get(component), shape, "label_" + i) : compile.loss().integerLabels()
            ? tf.withName("label_" + i).placeholder(TInt32.class, labelShape)
            : tf.withName("label_" + i).placeholder(TFloat32.class, labelShape));
        component++;
      }

      // Ones of the batch size unless fed: an unweighted batch computes exactly what it would without
      // (with worker input, the worker sends ones for a batch without weights).
      Operand<TFloat32> ones = tf.fill(tf.slice(tf.shape(inputFeeds.get(0)), tf.constant(new int[] {0}),
          tf.constant(new int[] {1})), tf.constant(1f));
      this.sampleWeightFeed = queued == null
          ? tf.withName("sample_weights").placeholderWithDefault(ones, Shape.of(-1))
          : this.<TFloat32>fedOr(queued.get(component), Shape.of(-1), "sample_weights");
      if (replication != null) {
        batchExamples = tf.withName("batch_examples").dtypes.cast(tf.reshape(tf.slice(tf.shape(inputFeeds.get(0)),
            tf.constant(new int[] {0}), tf.constant(new int[] {1})), tf.constant(new int[0])), TFloat32.class);
      }
      Pass inference = new Pass(spec, compile.seed(), false, new Reads(false), null);
      this.inferenceOutputs = outputs(inference.run(inputFeeds), "output_");
      this.evalObjectives = Objectives.of(SubScopes.of(tf, "eval_objectives"), spec, compile, inferenceOutputs, labelFeeds,
          sampleWeightFeed);
      for (String name : variables.keySet()) {
        Operand<TFloat32> read = inference.reads().get(name);
        weightReads.put(name, read != null ? read : tf.withName(name + "_weight_read").identity(variables.get(name)));
      }
      Pass training = new Pass(spec, compile.seed(), true, new Reads(true), stepFeed);
      this.trainObjectives = Objectives.of(SubScopes.of(tf, "train_objectives"), spec, compile,
          outputs(training.run(inputFeeds), "train_output_"), labelFeeds, sampleWeightFeed);
      this.trainStep = createTrainStep(training, compile.optimizer());
      this.stepRead = tf.withName("step_read").identity(step.variable());
      for (var e : pruned.entrySet()) {
        sparsityOps.put(e.getKey(), Measurements.sparsity(tf, weightReads.get(e.getKey())));
      }
      this.summaryOps = pruning == null ? Map.of() : pruning.summaries();
      this.restoreAll = createStateOps();
      if (replication == null) {
        // The initializers (optimizer slots, masks, the step) run in the same first run as the weights'
        // load: one set-up of TF's graph optimizer and executor instead of two (each walks the whole
        // graph). Nothing an initializer computes reads a layer weight. Where TF Java's marker cannot
        // be set, the session initializes itself first, as without this.
        s = new Session(graph, sessionConfig());
        this.session = s;
        load(initial, markInitializersRan(s) ? initializers : List.of());
        knownStep = (long) PruningState.step().start();
      } else {
        s = replication.open(graph);
        this.session = s;
        loadWeights(initial);
      }
    } catch (RuntimeException | Error e) {
      // A session keeps its graph open: Graph.close() would wait for it forever.
      if (s != null) {
        s.close();
      }
      g.close();
      throw e;
    }
  }

  /**
   * A feed point that, when nothing is fed, takes a component of the worker's batch, checked against
   * the model's shape when it runs (a worker whose data does not fit the model fails naming it).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private <T extends TType> Operand<T> fedOr(Operand<?> queued, Shape shape, String name) {
    Operand<T> checked = (Operand<T>) tf.withName(name + "_from_worker").ensureShape((Operand) queued, shape);
    return tf.withName(name).placeholderWithDefault(checked, shape);
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

  private @Nullable PruningHook createPruning() {
    PruningHook.Builder builder = PruningHook.builder(tf).step(step);
    var prunedWeights = spec.prunedWeights();
    if (prunedWeights.isEmpty()) {
      return null;
    }
    // Members of a global group are pruned together (the group added where its first member comes,
    // so the hook keeps the model's weight order); the others per weight.
    Map<dev.topiary.ops.GlobalPruningSpec, List<Variable<TFloat32>>> groups = new LinkedHashMap<>();
    prunedWeights.forEach((name, p) -> {
      if (p.strategy() instanceof dev.topiary.ops.GlobalGroupMember member) {
        groups.computeIfAbsent(member.group(), g -> new ArrayList<>()).add(variables.get(name));
      }
    });
    java.util.Set<dev.topiary.ops.GlobalPruningSpec> added = new java.util.HashSet<>();
    prunedWeights.forEach((name, p) -> {
      if (p.strategy() instanceof dev.topiary.ops.GlobalGroupMember member) {
        if (added.add(member.group())) {
          builder.pruneGlobally(groups.get(member.group()), member.group());
        }
      } else {
        builder.prune(variables.get(name), p);
      }
    });
    PruningHook hook = builder.build();
    for (PrunedWeight w : hook.weights()) {
      pruned.put(w.name(), w);
    }
    return hook;
  }

  /** How this graph's passes read and assign its variables. */
  private final class Reads implements Pass.Backend {
    private final boolean training;

    Reads(boolean training) {
      this.training = training;
    }

    @Override
    public Ops scope(String layerName, int call) {
      // SubScopes: TF Java's withSubScope walks every operation of the graph, quadratic over a model's layers.
      return SubScopes.of(tf, tf.scope().makeUnique((training ? "train_" : "infer_") + layerName + (call == 0 ? "" : "_call" + call)));
    }

    @Override
    public @Nullable Operand<TFloat32> read(String name) {
      Variable<TFloat32> v = variables.get(name);
      if (v == null) {
        return null;
      }
      PrunedWeight p = pruned.get(name);
      if (training) {
        return p != null ? pruning.read(v) : tf.withName(tf.scope().makeUnique(name + "_read")).identity(v);
      }
      return p != null
          ? PrunedWeight.applyMask(tf.withName(tf.scope().makeUnique(name + "_masked")), tf.identity(v), tf.identity(p.mask()))
          : tf.withName(tf.scope().makeUnique(name + "_infer_read")).identity(v);
    }

    @Override
    public Op assign(Ops scope, String name, Operand<TFloat32> value) {
      // Replicas keep assigned statistics identical: each assigns the average over all replicas.
      return scope.assign(variables.get(name), replication != null && training
          ? replication.average(scope, value, batchExamples) : value);
    }
  }

  /** An identity per output: a model whose output is an input must not fetch what it feeds. */
  private List<Operand<TFloat32>> outputs(List<Operand<TFloat32>> values, String prefix) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      out.add(tf.withName(tf.scope().makeUnique(prefix + i)).identity(values.get(i)));
    }
    return out;
  }

  private Op createTrainStep(Pass training, Optimizer optimizer) {
    dev.topiary.dsl.training.Gradients.ensureRegistered();
    List<String> names = new ArrayList<>();
    List<Output<?>> reads = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      for (WeightSpec w : spec.weights(layer)) {
        String name = spec.variableName(layer, w.name());
        if (w.trainable() && training.reads().containsKey(name)) {
          names.add(name);
          reads.add(training.reads().get(name).asOutput());
        }
      }
    }
    List<Op> after = new ArrayList<>(training.updates());
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
      Ops gated = SubScopes.of(tf, "gated_gradients").withControlDependencies(List.of(allGradients));
      List<Variable<TFloat32>> targets = new ArrayList<>();
      List<Operand<TFloat32>> values = new ArrayList<>();
      for (int i = 0; i < grads.length; i++) {
        if (grads[i] != null) {
          targets.add(variables.get(names.get(i)));
          values.add(gated.identity(floats(grads[i])));
        }
      }
      if (replication != null && !values.isEmpty()) {
        // One all-reduce after every local gradient: each replica then applies the same update.
        values = replication.allReduce(gated, values, batchExamples);
      }
      List<Optimizer.Gradient> pairs = new ArrayList<>();
      for (int i = 0; i < targets.size(); i++) {
        pairs.add(new Optimizer.Gradient(targets.get(i), values.get(i)));
      }
      if (pairs.isEmpty()) {
        throw new IllegalArgumentException("the loss does not depend on any trainable weight");
      }
      // Schedules read the steps completed before this one: without pruning the step advances after
      // the optimizer's update (which reads it first); with pruning it has already advanced in the
      // pruning update that every pruned read pulls in, so read it after that update and subtract 1.
      after.add(optimizer.apply(SubScopes.of(tf, StateContract.OPTIMIZER_SCOPE), pairs, pruning == null
          ? tf.withName("optimizer_step").identity(step.variable())
          : tf.withName("optimizer_step").math.sub(tf.withControlDependencies(List.of(pruning.update()))
              .identity(step.variable()), tf.constant(1L))));
    }
    if (pruning == null) {
      after.add(tf.withControlDependencies(after).assignAdd(step.variable(), tf.constant(1L)));
    } else {
      // The step advances inside the pruning update, which every pruned read pulls in.
      after.add(pruning.update());
    }
    return tf.withControlDependencies(after).withName("train_step").noOp();
  }

  /** Reads and restore assignments of every variable, made once (snapshots and restores reuse them). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Op createStateOps() {
    List<Operation> vars = new ArrayList<>();
    graph.operations().forEachRemaining(op -> {
      if (op.type().equals("VariableV2")) {
        vars.add(op);
      }
      if (graph.isInitializer(op)) {
        initializers.add(op);
      }
    });
    Ops state = SubScopes.of(tf, "state");
    List<Op> assigns = new ArrayList<>();
    for (Operation op : vars) {
      String name = op.name();
      Output<?> variable = op.output(0);
      layout.put(name, new StateContract.Layout(variable.type() == TFloat32.class
          ? HostArray.DType.FLOAT32 : HostArray.DType.INT64, variable.shape().asArray()));
      String flat = name.replace('/', '_');
      // Fetched as it is: TF hands a fetched variable's value over as an Identity would (neither copies),
      // and the snapshot copies it at once; an Identity per variable would only grow the graph.
      stateReads.put(name, variable);
      // A layer weight restores through its load ops: TF walks every op of the graph on each new
      // combination of feeds and fetches, and a second pair per weight would only add to that.
      Placeholder<?> feed = loadFeeds.containsKey(name) ? loadFeeds.get(name)
          : state.withName(flat + "_restore_value").placeholder((Class) variable.type());
      restoreFeeds.put(name, feed);
      Op assign = loadAssigns.containsKey(name) ? loadAssigns.get(name)
          : state.withName(flat + "_restore").assign((Operand) variable, (Operand) feed);
      restoreAssigns.put(name, assign);
      assigns.add(assign);
    }
    return state.withControlDependencies(assigns).withName("restore_all").noOp();
  }

  /**
   * Tells {@code session} that its graph's initializers have run (TF Java keeps that package-private),
   * so its next run does not start with a run of its own for them; false where reflection is refused
   * (the module path without {@code --add-opens tensorflow/org.tensorflow=ALL-UNNAMED}).
   */
  private static boolean markInitializersRan(Session session) {
    try {
      java.lang.reflect.Method mark = Session.class.getDeclaredMethod("markAllInitializersAsRan");
      mark.setAccessible(true);
      mark.invoke(session);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private static Op asOp(Output<?> output) {
    Operation operation = output.op();
    return () -> operation;
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> floats(Output<?> output) {
    return (Operand<TFloat32>) output;
  }

  // ---- running ---------------------------------------------------------------------------------

  @Override
  public ExecutionMode mode() {
    return ExecutionMode.GRAPH;
  }

  @Override
  public Map<String, Double> trainBatch(List<HostArray> inputs, List<HostArray> labels,
      @Nullable HostArray sampleWeights, long step) {
    return runObjectives(inputs, labels, sampleWeights, trainObjectives, step, trainStep);
  }

  /**
   * One training step on the batch this replica's worker put in its input queue (nothing is fed but
   * the step): its logs and its number of examples.
   */
  public Executor.TrainedBatch trainWorkerBatch(long step) {
    if (!workerBatches) {
      throw new IllegalStateException("this graph takes its batches from the chief, not from its worker");
    }
    knownStep = -1;
    try (Feeds feeds = new Feeds(session.runner())) {
      feeds.feed(stepFeed, TInt64.scalarOf(step));
      feeds.runner.addTarget(trainStep);
      trainObjectives.all().forEach(feeds.runner::fetch);
      feeds.runner.fetch(batchExamples);
      Map<String, Double> logs = new LinkedHashMap<>();
      try (Result r = feeds.runner.run()) {
        List<String> names = trainObjectives.names();
        for (int i = 0; i < names.size(); i++) {
          logs.put(names.get(i), (double) ((TFloat32) r.get(i)).getFloat());
        }
        return new Executor.TrainedBatch(logs, (int) ((TFloat32) r.get(names.size())).getFloat());
      }
    }
  }

  @Override
  public Map<String, Double> testBatch(List<HostArray> inputs, List<HostArray> labels,
      @Nullable HostArray sampleWeights) {
    return runObjectives(inputs, labels, sampleWeights, evalObjectives, -1, null);
  }

  @Override
  public float trainingLoss(List<HostArray> inputs, List<HostArray> labels) {
    // The training pass reads pruned weights through the pruning update, which advances the step and, at
    // an update step, recomputes masks and masks the weights: a loss "without training" puts the state
    // back as it was (a gradient check asks for it again and again).
    Snapshot before = pruning == null ? null : snapshot();
    float loss = runObjectives(inputs, labels, null, trainObjectives, step(), null).get("loss").floatValue();
    if (before != null) {
      restore(before);
    }
    return loss;
  }

  /**
   * One batch through {@code objectives}; {@code step} (fed when >= 0) seeds the training pass's
   * random ops, and {@code target} (if any) runs with it.
   */
  private Map<String, Double> runObjectives(List<HostArray> x, List<HostArray> y, @Nullable HostArray weights,
      Objectives objectives, long step, @Nullable Op target) {
    if (objectives == trainObjectives || target != null) {
      knownStep = -1; // the training pass's pruned reads advance a pruned model's step
    }
    try (Feeds feeds = new Feeds(session.runner())) {
      feeds.feed(inputFeeds, x);
      feeds.feed(labelFeeds, y);
      if (weights != null) {
        feeds.feed(sampleWeightFeed, weights.toTensor());
      } else if (workerBatches) {
        // Unfed, the weights would come from the worker's queue: a fed batch must not take its batch.
        float[] ones = new float[x.get(0).examples()];
        java.util.Arrays.fill(ones, 1f);
        feeds.feed(sampleWeightFeed, HostArray.ofFloats(ones, ones.length).toTensor());
      }
      if (step >= 0) {
        feeds.feed(stepFeed, TInt64.scalarOf(step));
      }
      if (target != null) {
        feeds.runner.addTarget(target);
      }
      objectives.all().forEach(feeds.runner::fetch);
      Map<String, Double> logs = new LinkedHashMap<>();
      try (Result r = feeds.runner.run()) {
        List<String> names = objectives.names();
        for (int i = 0; i < names.size(); i++) {
          logs.put(names.get(i), (double) ((TFloat32) r.get(i)).getFloat());
        }
      }
      return logs;
    }
  }

  @Override
  public List<HostArray> predictBatch(List<HostArray> inputs) {
    try (Feeds feeds = new Feeds(session.runner())) {
      feeds.feed(inputFeeds, inputs);
      inferenceOutputs.forEach(feeds.runner::fetch);
      List<HostArray> out = new ArrayList<>();
      try (Result r = feeds.runner.run()) {
        for (int i = 0; i < inferenceOutputs.size(); i++) {
          out.add(HostArray.fromTensor((TFloat32) r.get(i)));
        }
      }
      return out;
    }
  }

  /** Tensors fed to one run, closed with it. */
  private static final class Feeds implements AutoCloseable {
    final Session.Runner runner;
    private final List<Tensor> tensors = new ArrayList<>();

    Feeds(Session.Runner runner) {
      this.runner = runner;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void feed(List<? extends Operand<?>> placeholders, List<HostArray> values) {
      for (int i = 0; i < placeholders.size(); i++) {
        feed(placeholders.get(i), values.get(i).toTensor());
      }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void feed(Operand<?> placeholder, Tensor value) {
      tensors.add(value);
      runner.feed((Operand) placeholder, value);
    }

    @Override
    public void close() {
      tensors.forEach(Tensor::close);
    }
  }

  @Override
  public Map<String, HostArray> weights() {
    if (weightReads.isEmpty()) {
      return new LinkedHashMap<>(); // a session run must fetch something
    }
    Session.Runner runner = session.runner();
    List<String> names = new ArrayList<>(weightReads.keySet());
    names.forEach(n -> runner.fetch(weightReads.get(n)));
    Map<String, HostArray> out = new LinkedHashMap<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        // An exact copy: a scalar weight (Attention's scale) stays shape (), as setWeights expects it.
        out.put(names.get(i), HostArray.copyOf(r.get(i)));
      }
    }
    return out;
  }

  @Override
  public void loadWeights(Map<String, HostArray> weights) {
    load(weights, List.of());
  }

  /** Assigns every layer weight from {@code weights}, running {@code alsoRun} in the same session run. */
  private void load(Map<String, HostArray> weights, List<Operation> alsoRun) {
    try (Feeds feeds = new Feeds(session.runner())) {
      for (var e : loadFeeds.entrySet()) {
        feeds.feed(e.getValue(), weights.get(e.getKey()).toTensor());
      }
      feeds.runner.addTarget(loadAll);
      alsoRun.forEach(feeds.runner::addTarget);
      feeds.runner.run().close();
    }
  }

  /** The graph, for tests of its size. */
  Graph graph() {
    return graph;
  }

  @Override
  public Map<String, StateContract.Layout> stateLayout() {
    return java.util.Collections.unmodifiableMap(layout);
  }

  @Override
  public Snapshot snapshot() {
    Session.Runner runner = session.runner();
    List<String> names = new ArrayList<>(stateReads.keySet());
    names.forEach(n -> runner.fetch(stateReads.get(n)));
    Map<String, HostArray> out = new LinkedHashMap<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        out.put(names.get(i), HostArray.copyOf(r.get(i)));
      }
    }
    return new Snapshot(out);
  }

  @Override
  public HostArray read(String variable) {
    Output<?> read = stateReads.get(variable);
    if (read == null) {
      throw new IllegalArgumentException("no variable '" + variable + "' in this model");
    }
    try (Result r = session.runner().fetch(read).run()) {
      return HostArray.copyOf(r.get(0));
    }
  }

  @Override
  public void restore(Snapshot snapshot) {
    knownStep = -1;
    try (Feeds feeds = new Feeds(session.runner())) {
      boolean complete = true;
      for (var e : restoreFeeds.entrySet()) {
        HostArray value = snapshot.variables().get(e.getKey());
        if (value == null) {
          complete = false;
        } else {
          feeds.feed(e.getValue(), value.toTensor());
        }
      }
      if (complete) {
        feeds.runner.addTarget(restoreAll);
      } else {
        restoreFeeds.keySet().stream().filter(snapshot.variables()::containsKey)
            .forEach(n -> feeds.runner.addTarget(restoreAssigns.get(n)));
      }
      feeds.runner.run().close();
    }
  }

  @Override
  public Map<String, Double> sparsity() {
    return fetchScalars(sparsityOps);
  }

  @Override
  public Map<String, Double> pruningSummaries() {
    return fetchScalars(summaryOps);
  }

  private Map<String, Double> fetchScalars(Map<String, Operand<TFloat32>> ops) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (ops.isEmpty()) {
      return out;
    }
    Session.Runner runner = session.runner();
    ops.values().forEach(runner::fetch);
    try (Result r = runner.run()) {
      int i = 0;
      for (String name : ops.keySet()) {
        out.put(name, (double) ((TFloat32) r.get(i++)).getFloat());
      }
    }
    return out;
  }

  @Override
  public long step() {
    if (knownStep >= 0) {
      return knownStep;
    }
    try (Result r = session.runner().fetch(stepRead).run()) {
      return ((TInt64) r.get(0)).getLong();
    }
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
    // The caller asked for new ops in this graph: that is the one way it grows after the build.
    return new Pass(spec, 0, false, new Reads(false), null).run(List.of(input)).get(0);
  }

  /** The number of ops in the graph (tests assert it does not grow after the build). */
  public int graphSize() {
    int[] n = {0};
    graph.operations().forEachRemaining(op -> n[0]++);
    return n[0];
  }

  /** The pruning hook of the training pass, or null without pruning. */
  @Nullable PruningHook pruningHook() {
    return pruning;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
