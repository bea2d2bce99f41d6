package dev.topiary.bridge;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.runtime.RuntimeModel;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.ops.PruningState;
import dev.topiary.ops.TensorFlowRuntime;
import dev.topiary.ops.mask.HostMask;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.types.TFloat32;

/**
 * A model that runs eagerly, op by op: the same {@link ModelSpec} as a graph model, the same numbers.
 * Everything a model does (checks, batching, fit and its callbacks, strip, export) is the shared
 * {@link RuntimeModel}; what is eager is its executor, which holds the state in Java memory as a
 * {@link Snapshot} (the variables a graph model of the same definition holds), so it moves both
 * ways bit for bit ({@link #from(Model)}, {@link #toGraph()}). TF Java 1.1 has no eager gradients,
 * so {@code fit} trains through a graph built once behind the scenes and brings the state back.
 *
 * <p>What only an eager model offers: the masks as host arrays, and masks recomputed eagerly.
 */
public final class EagerModel extends RuntimeModel {
  private final EagerExecutor eager;

  private EagerModel(ModelSpec spec, Compile compile, EagerExecutor executor) {
    super(spec, compile, executor);
    this.eager = executor;
  }

  private static EagerModel of(ModelSpec spec, Compile compile, Snapshot state) {
    TensorFlowRuntime.requireSupported();
    return new EagerModel(spec, compile, new EagerExecutor(spec, compile, state));
  }

  /** A new eager model with the initial state a graph model of {@code spec} and seed would have. */
  public static EagerModel build(ModelSpec spec, Compile compile) {
    return of(spec, compile, StateContract.initial(spec, compile.seed()));
  }

  /** An eager copy of {@code model} (graph or eager): same definition, settings and state. */
  public static EagerModel from(Model model) {
    return of(model.spec(), model.compileSettings(), model.snapshot());
  }

  @Override
  protected Model newModel(ModelSpec spec) {
    return build(spec, compileSettings());
  }

  /** A graph copy of this model with the same state, optimizer slots included. Close it too. */
  public Model toGraph() {
    Model graph = spec().compile(compileSettings());
    try {
      graph.restore(snapshot());
      return graph;
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /**
   * Masks recomputed eagerly from the current weights, at the sparsity each weight's schedule gives
   * for the current step (what the next mask update would produce), by variable name.
   */
  public Map<String, HostMask> recomputeMasks() {
    Map<String, HostMask> out = new LinkedHashMap<>();
    long step = step();
    Snapshot state = snapshot();
    spec().prunedWeights().forEach((name, pruning) -> out.put(name, eager.eagerly(tf -> {
      HostArray w = state.get(name);
      var result = pruning.strategy().ops(tf, EagerExecutor.constant(tf, w),
          tf.constant(pruning.schedule().at(step).sparsity()));
      return new HostMask(HostArray.fromTensor(result.mask().asTensor()).floats(), w.shape(),
          ((TFloat32) result.threshold().asTensor()).getFloat());
    })));
    return out;
  }

  /** The current masks by pruned weight name. */
  public Map<String, HostArray> masks() {
    Map<String, HostArray> out = new LinkedHashMap<>();
    Snapshot state = snapshot();
    for (String name : spec().prunedWeights().keySet()) {
      HostArray m = state.get(PruningState.maskName(name));
      out.put(name, HostArray.of(m.floats(), m.shape()));
    }
    return out;
  }
}
