package dev.topiary.dsl.state;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.ops.PruningState;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The names, types and start values of every persistent variable of a model, in one place: layer
 * weights ({@code <layer>_<weight>}, from {@link ModelSpec#variableName}), pruning state and the
 * step (owned by {@code ops}: {@link PruningState}), and optimizer slots (anything under
 * {@link #OPTIMIZER_SCOPE}, named by the optimizer). Graph models create exactly these variables;
 * eager models, checkpoints, model files and exports read and write them by these names.
 */
public final class StateContract {
  /** Optimizer slots and counters live under this name scope ({@code optimizer/...}). */
  public static final String OPTIMIZER_SCOPE = "optimizer";

  /**
   * The float32 scalar variable holding the current learning rate of an optimizer without a schedule
   * (made by the {@code Optimizer} base); absent when the optimizer follows a schedule.
   */
  public static final String LEARNING_RATE = "optimizer/learning_rate";

  /** The element type and shape of one variable, as a model holds it. */
  public record Layout(HostArray.DType dtype, long[] shape) {
    public Layout {
      shape = shape.clone();
    }

    public static Layout of(HostArray t) {
      return new Layout(t.dtype(), t.shape());
    }

    boolean matches(HostArray t) {
      return t.dtype() == dtype && Arrays.equals(t.shape(), shape);
    }

    @Override
    public String toString() {
      return dtype.name().toLowerCase(java.util.Locale.ROOT) + Arrays.toString(shape);
    }
  }

  private StateContract() {}

  /** True for optimizer slots and counters: state a model may start without (a fresh optimizer). */
  public static boolean isOptimizerState(String name) {
    return name.startsWith(OPTIMIZER_SCOPE + "/");
  }

  /**
   * The state of a freshly built trainable model of {@code spec}: the initial weights for
   * {@code seed}, every pruned weight's pruning variables at their start values, and the step at 0.
   * Optimizer slots are absent (they start when training starts).
   */
  public static Snapshot initial(ModelSpec spec, long seed) {
    Map<String, HostArray> vars = new LinkedHashMap<>();
    spec.initialWeights(seed).forEach((name, w) -> vars.put(name, HostArray.ofFloats(w.floats(), w.shape())));
    for (String weight : spec.prunedWeights().keySet()) {
      for (PruningState.Variable v : PruningState.of(weight, vars.get(weight).shape())) {
        vars.put(v.name(), filled(v));
      }
    }
    PruningState.Variable step = PruningState.step();
    vars.put(step.name(), filled(step));
    return new Snapshot(vars);
  }

  private static HostArray filled(PruningState.Variable v) {
    int size = Math.toIntExact(Arrays.stream(v.shape()).reduce(1, Math::multiplyExact));
    if (v.dtype() == PruningState.DType.FLOAT32) {
      float[] values = new float[size];
      Arrays.fill(values, (float) v.start());
      return HostArray.ofFloats(values, v.shape());
    }
    long[] values = new long[size];
    Arrays.fill(values, (long) v.start());
    return HostArray.ofLongs(values, v.shape());
  }

  /**
   * Checks that {@code snapshot} can be restored into a model whose variables are {@code layout}:
   * every variable present (optimizer state may be missing: the optimizer then starts fresh) with
   * the same type and shape.
   *
   * @throws IllegalArgumentException naming the missing or mismatched variable
   */
  public static void checkRestore(Map<String, Layout> layout, Snapshot snapshot) {
    layout.forEach((name, expected) -> {
      HostArray value = snapshot.variables().get(name);
      if (value == null) {
        if (!isOptimizerState(name)) {
          throw new IllegalArgumentException("the snapshot has no variable '" + name + "' that this model needs");
        }
      } else if (!expected.matches(value)) {
        throw new IllegalArgumentException("variable '" + name + "' is " + expected + " in this model but "
            + value.typeName() + " in the snapshot");
      }
    });
  }

  /**
   * Checks {@code weights} against the model's layer weights {@code expected} (variable name to
   * shape): every weight given, float, with its exact shape, and no unknown names.
   *
   * @throws IllegalArgumentException naming the missing, unknown or mis-shaped weight
   */
  public static void checkWeights(Map<String, long[]> expected, Map<String, HostArray> weights) {
    for (String name : weights.keySet()) {
      if (!expected.containsKey(name)) {
        throw new IllegalArgumentException("unknown weight '" + name + "'; this model has " + expected.keySet());
      }
    }
    expected.forEach((name, shape) -> {
      HostArray value = weights.get(name);
      if (value == null) {
        throw new IllegalArgumentException("weight '" + name + "' is missing; every weight must be given");
      }
      if (value.dtype() != HostArray.DType.FLOAT32 || !Arrays.equals(value.shape(), shape)) {
        throw new IllegalArgumentException("weight '" + name + "' must be float of shape "
            + Arrays.toString(shape) + ", got " + value);
      }
    });
  }
}
