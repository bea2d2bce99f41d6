package dev.topiary.ops;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt64;

/**
 * The training-step counter that schedules read: an int64 graph variable holding the number of
 * training steps completed (0 before the first one). One step is shared by every pruned weight of a
 * model and advanced once per training step by {@link PruningHook#update()}, however many layers or
 * how many calls of a shared layer the step contains.
 */
public final class PruningStep {
  private final Variable<TInt64> variable;

  private PruningStep(Variable<TInt64> variable) {
    this.variable = variable;
  }

  /** A new step variable named {@link PruningState#STEP}, starting at 0. */
  public static PruningStep create(Ops tf) {
    return create(tf, PruningState.STEP);
  }

  /** A new step variable named {@code name}, starting at 0. */
  public static PruningStep create(Ops tf, String name) {
    Graphs.requireGraph(tf, "a pruning step variable");
    return new PruningStep(tf.withName(name).variable(tf.constant((long) PruningState.step().start())));
  }

  /** Wraps an existing int64 scalar variable, e.g. one restored from a checkpoint. */
  public static PruningStep of(Variable<TInt64> variable) {
    if (variable.shape().numDimensions() != 0) {
      throw new IllegalArgumentException(
          "the pruning step must be an int64 scalar, got shape " + variable.shape());
    }
    return new PruningStep(variable);
  }

  public Variable<TInt64> variable() {
    return variable;
  }

  /** The current value (read through an identity: reference-typed outputs must not feed math ops). */
  public Operand<TInt64> read(Ops tf) {
    return tf.identity(variable);
  }

}
