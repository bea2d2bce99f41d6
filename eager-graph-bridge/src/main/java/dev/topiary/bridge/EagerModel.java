package dev.topiary.bridge;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.ModelSummary;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateTensor;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Metric;
import dev.topiary.ops.Measurements;
import dev.topiary.ops.PrunedWeight;
import dev.topiary.ops.TensorFlowRuntime;
import dev.topiary.ops.mask.HostMask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A model that runs eagerly, op by op: the same {@link ModelSpec} as a graph model, the same numbers.
 *
 * <p>Its state lives in Java memory as a {@link Snapshot} (the variables a graph model of the same
 * definition would hold), so it moves both ways bit for bit ({@link #from(Model)},
 * {@link #toGraph()}). Inference, evaluation, masks, sparsity and strip run in a short-lived
 * {@link EagerSession} per call, so no native memory outlives the call. TF Java 1.1 has no gradients
 * in eager mode, so {@link #fit} runs the training step as a graph behind the scenes, built once and
 * reused, the way TF2 runs Keras {@code fit} through {@code tf.function}, and brings the trained
 * state back.
 */
public final class EagerModel implements Model {
  private final ModelSpec spec;
  private final Compile compile;
  private Snapshot state;
  private Model trainer;

  private EagerModel(ModelSpec spec, Compile compile, Snapshot state) {
    TensorFlowRuntime.requireSupported();
    this.spec = spec;
    this.compile = compile;
    this.state = state;
  }

  /** A new eager model with the initial state a graph model of {@code spec} and seed would have. */
  public static EagerModel build(ModelSpec spec, Compile compile) {
    Map<String, StateTensor> vars = new LinkedHashMap<>();
    spec.initialWeights(compile.seed()).forEach((name, w) -> vars.put(name, StateTensor.ofFloats(w.floats(), w.shape())));
    for (String weight : spec.prunedWeights().keySet()) {
      StateTensor w = vars.get(weight);
      float[] ones = new float[w.floats().length];
      java.util.Arrays.fill(ones, 1f);
      vars.put(PrunedWeight.maskName(weight), StateTensor.ofFloats(ones, w.shape()));
      vars.put(PrunedWeight.thresholdName(weight), StateTensor.ofFloats(new float[] {0f}));
      vars.put(PrunedWeight.updatesName(weight), StateTensor.ofLongs(new long[] {0L}));
    }
    vars.put(ModelSpec.STEP_VARIABLE, StateTensor.ofLongs(new long[] {0L}));
    return new EagerModel(spec, compile, new Snapshot(vars));
  }

  /** An eager copy of {@code model} (graph or eager): same definition, settings and state. */
  public static EagerModel from(Model model) {
    return new EagerModel(model.spec(), model.compileSettings(), model.snapshot());
  }

  /** A graph copy of this model with the same state, optimizer slots included. Close it too. */
  public Model toGraph() {
    Model graph = spec.compile(compile);
    try {
      graph.restore(state);
      return graph;
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
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
    return ExecutionMode.EAGER;
  }

  @Override
  public History fit(List<HostArray> inputs, List<HostArray> labels, Fit fit) {
    if (!(fit.distribution() instanceof Distribution.Local)) {
      throw new UnsupportedOperationException("distributed training requires graph execution: build the model"
          + " with ModelSpec.compile(...) (graph) to train with " + fit.distribution());
    }
    if (trainer == null) {
      trainer = spec.compile(compile);
    }
    trainer.restore(state);
    History history = trainer.fit(inputs, labels, fit);
    state = trainer.snapshot();
    return history;
  }

  @Override
  public Map<String, Double> evaluate(List<HostArray> inputs, List<HostArray> labels, int batchSize) {
    requireBatchSize(batchSize);
    requireCount("label", labels.size(), spec.outputs().size());
    Map<String, Double> sums = new LinkedHashMap<>();
    int total = 0;
    int examples = examples(inputs);
    for (int from = 0; from < examples; from += batchSize) {
      int to = Math.min(examples, from + batchSize);
      List<HostArray> x = slice(inputs, from, to);
      List<HostArray> y = slice(labels, from, to);
      for (int i = 0; i < y.size(); i++) {
        Node out = spec.outputs().get(i);
        compile.loss().checkLabels(spec.outputName(i), out.shape(), y.get(i));
      }
      int n = to - from;
      Map<String, Double> batch = withSession(tf -> {
        List<Operand<TFloat32>> outputs = forward(tf, constants(tf, x));
        Map<String, Double> logs = new LinkedHashMap<>();
        double loss = 0;
        for (int i = 0; i < outputs.size(); i++) {
          Operand<?> label = constant(tf, y.get(i));
          loss += scalar(tf.math.mean(compile.loss().perExample(tf, outputs.get(i), label), tf.constant(0)));
          for (Metric m : compile.metrics()) {
            String name = (outputs.size() == 1 ? "" : spec.outputName(i) + "_") + m.logName();
            logs.put(name, scalar(tf.math.mean(m.perExample(tf, outputs.get(i), label, compile.loss()), tf.constant(0))));
          }
        }
        Map<String, Double> ordered = new LinkedHashMap<>();
        ordered.put("loss", loss);
        ordered.putAll(logs);
        return ordered;
      });
      batch.forEach((k, v) -> sums.merge(k, v * n, Double::sum));
      total += n;
    }
    Map<String, Double> out = new LinkedHashMap<>();
    int count = total;
    sums.forEach((k, v) -> out.put(k, v / count));
    return out;
  }

  @Override
  public List<HostArray> predict(List<HostArray> inputs, int batchSize) {
    requireBatchSize(batchSize);
    int examples = examples(inputs);
    List<List<HostArray>> parts = new ArrayList<>();
    spec.outputs().forEach(o -> parts.add(new ArrayList<>()));
    for (int from = 0; from < examples; from += batchSize) {
      List<HostArray> x = slice(inputs, from, Math.min(examples, from + batchSize));
      List<HostArray> y = withSession(tf -> {
        List<HostArray> out = new ArrayList<>();
        for (Operand<TFloat32> o : forward(tf, constants(tf, x))) {
          out.add(HostArray.fromTensor(o.asTensor()));
        }
        return out;
      });
      for (int i = 0; i < y.size(); i++) {
        parts.get(i).add(y.get(i));
      }
    }
    return parts.stream().map(HostArray::concat).toList();
  }

  @Override
  public Operand<TFloat32> call(Operand<TFloat32> input) {
    if (!input.env().isEager()) {
      throw new IllegalArgumentException("a graph operand was passed to an eager model: execution modes cannot be"
          + " mixed (the analogue of tf.compat.v1 graph code with a TF2 package); pass an eager operand, or use"
          + " toGraph() and call the graph model");
    }
    if (spec.inputs().size() != 1) {
      throw new IllegalArgumentException("call(Operand) needs a single-input model; this one has " + spec.inputs().size());
    }
    Ops tf = Ops.create((EagerSession) input.env());
    return forward(tf, List.of(input)).get(0);
  }

  /**
   * Masks recomputed eagerly from the current weights, at the sparsity each weight's schedule gives
   * for the current step (what the next mask update would produce), by variable name.
   */
  public Map<String, HostMask> recomputeMasks() {
    Map<String, HostMask> out = new LinkedHashMap<>();
    long step = step();
    spec.prunedWeights().forEach((name, pruning) -> out.put(name, withSession(tf -> {
      StateTensor w = state.get(name);
      var result = pruning.strategy().ops(tf, floatConstant(tf, w),
          tf.constant(pruning.schedule().at(step).sparsity()));
      return new HostMask(HostArray.fromTensor(result.mask().asTensor()).floats(), w.shape(),
          ((TFloat32) result.threshold().asTensor()).getFloat());
    })));
    return out;
  }

  /** The current masks by pruned weight name. */
  public Map<String, HostArray> masks() {
    Map<String, HostArray> out = new LinkedHashMap<>();
    for (String name : spec.prunedWeights().keySet()) {
      StateTensor m = state.get(PrunedWeight.maskName(name));
      out.put(name, HostArray.of(m.floats(), m.shape()));
    }
    return out;
  }

  @Override
  public Model strip() {
    Map<String, StateTensor> plain = new LinkedHashMap<>();
    weights().forEach((name, w) -> plain.put(name, StateTensor.ofFloats(w.floats(), w.shape())));
    plain.put(ModelSpec.STEP_VARIABLE, state.get(ModelSpec.STEP_VARIABLE));
    return new EagerModel(spec.withoutPruning(), compile, new Snapshot(plain));
  }

  @Override
  public ModelSummary summary() {
    return ModelSummary.of(spec, sparsity());
  }

  /** Layer weights as inference sees them (pruned ones through their masks), computed eagerly. */
  @Override
  public Map<String, HostArray> weights() {
    Map<String, HostArray> out = new LinkedHashMap<>();
    for (String name : spec.initialWeights(0).keySet()) {
      StateTensor w = state.get(name);
      if (spec.prunedWeights().containsKey(name)) {
        out.put(name, withSession(tf -> HostArray.fromTensor(masked(tf, name).asTensor())));
      } else {
        out.put(name, HostArray.of(w.floats(), w.shape()));
      }
    }
    return out;
  }

  @Override
  public void setWeights(Map<String, HostArray> weights) {
    Map<String, StateTensor> vars = new LinkedHashMap<>(state.variables());
    for (String name : spec.initialWeights(0).keySet()) {
      HostArray w = weights.get(name);
      StateTensor current = state.get(name);
      if (w == null) {
        throw new IllegalArgumentException("weight '" + name + "' is missing; every weight must be given");
      }
      if (w.isIntegral() || !java.util.Arrays.equals(w.shape(), current.shape())) {
        throw new IllegalArgumentException("weight '" + name + "' must be float of shape "
            + java.util.Arrays.toString(current.shape()) + ", got " + w);
      }
      vars.put(name, StateTensor.ofFloats(w.floats(), w.shape()));
    }
    for (String name : weights.keySet()) {
      if (!vars.containsKey(name)) {
        throw new IllegalArgumentException("unknown weight '" + name + "'");
      }
    }
    state = new Snapshot(vars);
  }

  @Override
  public Map<String, Double> sparsity() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String name : spec.prunedWeights().keySet()) {
      out.put(name, withSession(tf -> (double) scalar(Measurements.sparsity(tf, masked(tf, name)))));
    }
    return out;
  }

  @Override
  public Snapshot snapshot() {
    return state;
  }

  @Override
  public void restore(Snapshot snapshot) {
    Map<String, StateTensor> vars = new LinkedHashMap<>();
    for (var e : state.variables().entrySet()) {
      StateTensor value = snapshot.variables().get(e.getKey());
      if (value == null) {
        throw new IllegalArgumentException("the snapshot has no variable '" + e.getKey() + "' that this model needs");
      }
      if (!value.sameTypeAs(e.getValue())) {
        throw new IllegalArgumentException("variable '" + e.getKey() + "' is " + e.getValue() + " in this model but "
            + value + " in the snapshot");
      }
    }
    // Optimizer state comes along, so that a later fit continues where the snapshot's model stopped.
    vars.putAll(snapshot.filter(n -> state.variables().containsKey(n) || n.startsWith("optimizer/")).variables());
    state = new Snapshot(vars);
  }

  /** Exports through a graph copy of this model (SavedModels are graphs). */
  @Override
  public void exportSavedModel(java.nio.file.Path dir) throws java.io.IOException {
    try (Model graph = toGraph()) {
      graph.exportSavedModel(dir);
    }
  }

  @Override
  public long step() {
    return state.get(ModelSpec.STEP_VARIABLE).longs()[0];
  }

  @Override
  public void close() {
    if (trainer != null) {
      trainer.close();
      trainer = null;
    }
  }

  // ---- eager execution ---------------------------------------------------------------------

  private <T> T withSession(Function<Ops, T> body) {
    try (EagerSession session = EagerSession.create()) {
      return body.apply(Ops.create(session));
    }
  }

  private List<Operand<TFloat32>> forward(Ops tf, List<Operand<TFloat32>> inputs) {
    Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();
    return spec.forward(inputs, (layer, call, mask) -> context(tf, layer, reads, mask));
  }

  private LayerContext context(Ops tf, Layer layer, Map<String, Operand<TFloat32>> reads,
      @org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> mask) {
    return new LayerContext() {
      @Override
      public Operand<org.tensorflow.types.TBool> inputMask() {
        return mask;
      }

      @Override
      public Ops tf() {
        return tf;
      }

      @Override
      public Operand<TFloat32> weight(String name) {
        String variable = spec.variableName(layer, name);
        return reads.computeIfAbsent(variable, v -> spec.prunedWeights().containsKey(v)
            ? masked(tf, v)
            : floatConstant(tf, state.get(v)));
      }

      @Override
      public boolean training() {
        return false;
      }

      @Override
      public long seed() {
        return 0;
      }

      @Override
      public Operand<org.tensorflow.types.TInt64> step() {
        throw new IllegalStateException("eager models run inference only; training runs as a graph");
      }

      @Override
      public void addUpdate(Op update) {
        throw new IllegalStateException("eager models run inference only; training runs as a graph");
      }

      @Override
      public Op assign(String name, Operand<TFloat32> value) {
        throw new IllegalStateException("eager models run inference only; training runs as a graph");
      }
    };
  }

  /** weight * mask, as the graph's inference reads it. */
  private Operand<TFloat32> masked(Ops tf, String weight) {
    return tf.math.mul(floatConstant(tf, state.get(weight)), floatConstant(tf, state.get(PrunedWeight.maskName(weight))));
  }

  /** An eager constant holding {@code value}; the constant copies the temporary tensor, closed at once. */
  private static Operand<TFloat32> floatConstant(Ops tf, StateTensor value) {
    try (TFloat32 t = (TFloat32) value.toTensor()) {
      return tf.constantOf(t);
    }
  }

  private List<Operand<TFloat32>> constants(Ops tf, List<HostArray> arrays) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < arrays.size(); i++) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> c = (Operand<TFloat32>) constant(tf, arrays.get(i)); // checked by ModelSpec.checkInputs
      out.add(c);
    }
    return out;
  }

  private static Operand<?> constant(Ops tf, HostArray a) {
    try (Tensor t = a.toTensor()) {
      return tf.constantOf((org.tensorflow.types.family.TType) t);
    }
  }

  private static double scalar(Operand<TFloat32> x) {
    return ((TFloat32) x.asTensor()).getFloat();
  }

  private int examples(List<HostArray> inputs) {
    return spec.checkInputs(inputs, "prediction");
  }

  private void requireCount(String what, int given, int expected) {
    if (given != expected) {
      throw new IllegalArgumentException("the model has " + expected + " " + what + "(s) but " + given
          + " " + what + " array(s) were given");
    }
  }

  private static void requireBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
  }

  private static List<HostArray> slice(List<HostArray> arrays, int from, int to) {
    return arrays.stream().map(a -> a.slice(from, to)).toList();
  }
}
