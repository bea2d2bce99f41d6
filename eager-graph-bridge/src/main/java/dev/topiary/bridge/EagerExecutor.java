package dev.topiary.bridge;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.runtime.Executor;
import dev.topiary.dsl.runtime.GraphExecutor;
import dev.topiary.dsl.runtime.Objectives;
import dev.topiary.dsl.runtime.Pass;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.ops.Measurements;
import dev.topiary.ops.PrunedWeight;
import dev.topiary.ops.PruningState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * The eager executor: the state lives in Java memory as a {@link Snapshot} (the variables the
 * {@link StateContract} names), and every call runs op by op in a short-lived {@link EagerSession},
 * so no native memory outlives it. The passes and objectives are the same {@link Pass} and
 * {@link Objectives} the graph executor builds; only weight reads differ (constants here).
 *
 * <p>TF Java 1.1 has no gradients in eager mode, so a {@code fit} trains through a
 * {@link GraphExecutor} built once and reused, the way TF2 runs Keras {@code fit} through
 * {@code tf.function}: {@link #beginTraining()} loads the state into it, everything during the fit
 * runs there, and {@link #endTraining()} brings the trained state back.
 */
final class EagerExecutor implements Executor {
  private final ModelSpec spec;
  private final Compile compile;
  /** Variable names of the pruned weights (read through their masks). */
  private final java.util.Set<String> pruned;
  private Snapshot state;
  private @Nullable GraphExecutor trainer;
  private boolean training;

  EagerExecutor(ModelSpec spec, Compile compile, Snapshot state) {
    this.spec = spec;
    this.compile = compile;
    this.pruned = java.util.Set.copyOf(spec.prunedWeights().keySet());
    this.state = state;
  }

  Snapshot state() {
    return training ? trainer.snapshot() : state;
  }

  @Override
  public ExecutionMode mode() {
    return ExecutionMode.EAGER;
  }

  @Override
  public void beginTraining() {
    if (trainer == null) {
      trainer = GraphExecutor.build(spec, compile);
    }
    trainer.restore(state);
    training = true;
  }

  @Override
  public void endTraining() {
    if (training) {
      training = false;
      state = trainer.snapshot();
    }
  }

  @Override
  public Map<String, Double> trainBatch(List<HostArray> inputs, List<HostArray> labels,
      @Nullable HostArray sampleWeights, long step) {
    if (!training) {
      throw new IllegalStateException("training steps run between beginTraining and endTraining");
    }
    return trainer.trainBatch(inputs, labels, sampleWeights, step);
  }

  @Override
  public float trainingLoss(List<HostArray> inputs, List<HostArray> labels) {
    beginTraining();
    try {
      return trainer.trainingLoss(inputs, labels);
    } finally {
      endTraining();
    }
  }

  @Override
  public Map<String, Double> testBatch(List<HostArray> inputs, List<HostArray> labels,
      @Nullable HostArray sampleWeights) {
    if (training) {
      return trainer.testBatch(inputs, labels, sampleWeights);
    }
    HostArray weights = sampleWeights != null ? sampleWeights : ones(inputs.get(0).examples());
    return eagerly(tf -> {
      Objectives objectives = Objectives.of(tf, spec, compile, forward(tf, constants(tf, inputs)), constants(tf, labels),
          EagerExecutor.<TFloat32>constants(tf, List.of(weights)).get(0));
      Map<String, Double> logs = new LinkedHashMap<>();
      List<String> names = objectives.names();
      List<Operand<TFloat32>> values = objectives.all();
      for (int i = 0; i < names.size(); i++) {
        logs.put(names.get(i), (double) ((TFloat32) values.get(i).asTensor()).getFloat());
      }
      return logs;
    });
  }

  private static HostArray ones(int examples) {
    float[] ones = new float[examples];
    java.util.Arrays.fill(ones, 1f);
    return HostArray.of(ones, examples);
  }

  @Override
  public List<HostArray> predictBatch(List<HostArray> inputs) {
    if (training) {
      return trainer.predictBatch(inputs);
    }
    return eagerly(tf -> {
      List<HostArray> out = new ArrayList<>();
      for (Operand<TFloat32> o : forward(tf, constants(tf, inputs))) {
        out.add(HostArray.fromTensor(o.asTensor()));
      }
      return out;
    });
  }

  @Override
  public Operand<TFloat32> call(Operand<TFloat32> input) {
    if (!input.env().isEager()) {
      throw new IllegalArgumentException("a graph operand was passed to an eager model: execution modes cannot be"
          + " mixed (the analogue of tf.compat.v1 graph code with a TF2 package); pass an eager operand, or use"
          + " toGraph() and call the graph model");
    }
    return forward(Ops.create((EagerSession) input.env()), List.of(input)).get(0);
  }

  @Override
  public Map<String, HostArray> weights() {
    if (training) {
      return trainer.weights();
    }
    Map<String, HostArray> out = new LinkedHashMap<>();
    for (String name : weightNames()) {
      out.put(name, eagerly(tf -> HostArray.copyOf(read(tf, name).asTensor())));
    }
    return out;
  }

  private List<String> weightNames() {
    List<String> names = new ArrayList<>();
    spec.layers().forEach(l -> spec.weights(l).forEach(w -> names.add(spec.variableName(l, w.name()))));
    return names;
  }

  @Override
  public void loadWeights(Map<String, HostArray> weights) {
    if (training) {
      trainer.loadWeights(weights);
      return;
    }
    Map<String, HostArray> vars = new LinkedHashMap<>(state.variables());
    weights.forEach((name, w) -> vars.put(name, HostArray.ofFloats(w.floats(), w.shape())));
    state = new Snapshot(vars);
  }

  @Override
  public Map<String, StateContract.Layout> stateLayout() {
    Map<String, StateContract.Layout> out = new LinkedHashMap<>();
    state().variables().forEach((name, value) -> out.put(name, StateContract.Layout.of(value)));
    return out;
  }

  @Override
  public Snapshot snapshot() {
    return state();
  }

  @Override
  public HostArray read(String variable) {
    return state().get(variable);
  }

  @Override
  public void restore(Snapshot snapshot) {
    if (training) {
      trainer.restore(snapshot);
      return;
    }
    // Optimizer state comes along, so that a later fit continues where the snapshot's model stopped.
    state = state.with(snapshot.filter(n -> state.variables().containsKey(n) || StateContract.isOptimizerState(n)));
  }

  @Override
  public Map<String, Double> sparsity() {
    if (training) {
      return trainer.sparsity();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (String name : spec.prunedWeights().keySet()) {
      out.put(name, eagerly(tf -> (double) scalar(Measurements.sparsity(tf, read(tf, name)))));
    }
    return out;
  }

  @Override
  public Map<String, Double> pruningSummaries() {
    if (training) {
      return trainer.pruningSummaries();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (String name : spec.prunedWeights().keySet()) {
      out.put(name + "/sparsity", eagerly(tf -> (double) scalar(
          PrunedWeight.maskSparsity(tf, constant(tf, state.get(PruningState.maskName(name)))))));
      out.put(name + "/threshold", (double) state.get(PruningState.thresholdName(name)).floats()[0]);
    }
    return out;
  }

  @Override
  public long step() {
    return state().get(PruningState.STEP).longs()[0];
  }

  @Override
  public void close() {
    if (trainer != null) {
      trainer.close();
      trainer = null;
    }
  }

  // ---- eager execution ---------------------------------------------------------------------

  <T> T eagerly(Function<Ops, T> body) {
    try (EagerSession session = EagerSession.create()) {
      return body.apply(Ops.create(session));
    }
  }

  private List<Operand<TFloat32>> forward(Ops tf, List<Operand<TFloat32>> inputs) {
    return new Pass(spec, compile.seed(), false, new Reads(tf), null).run(inputs);
  }

  /** Weights as eager constants, pruned ones through their masks, as the graph's inference reads them. */
  private final class Reads implements Pass.Backend {
    private final Ops tf;

    Reads(Ops tf) {
      this.tf = tf;
    }

    @Override
    public Ops scope(String layerName, int call) {
      return tf;
    }

    @Override
    public @Nullable Operand<TFloat32> read(String variable) {
      return state.variables().containsKey(variable) ? EagerExecutor.this.read(tf, variable) : null;
    }

    @Override
    public Op assign(Ops scope, String variable, Operand<TFloat32> value) {
      throw new IllegalStateException("eager models run inference only; training runs as a graph");
    }
  }

  /** A layer weight as inference reads it: masked where pruned. */
  Operand<TFloat32> read(Ops tf, String weight) {
    Operand<TFloat32> value = constant(tf, state.get(weight));
    return pruned.contains(weight)
        ? PrunedWeight.applyMask(tf, value, constant(tf, state.get(PruningState.maskName(weight))))
        : value;
  }

  /** An eager constant holding {@code value}; the constant copies the temporary tensor, closed at once. */
  static Operand<TFloat32> constant(Ops tf, HostArray value) {
    try (TFloat32 t = (TFloat32) value.toTensor()) {
      return tf.constantOf(t);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends TType> List<Operand<T>> constants(Ops tf, List<HostArray> arrays) {
    List<Operand<T>> out = new ArrayList<>();
    for (HostArray a : arrays) {
      try (Tensor t = a.toTensor()) {
        out.add((Operand<T>) tf.constantOf((TType) t));
      }
    }
    return out;
  }

  static float scalar(Operand<TFloat32> x) {
    return ((TFloat32) x.asTensor()).getFloat();
  }
}
