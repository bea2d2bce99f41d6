package dev.topiary.ops.schedule;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;

/**
 * Maps a training step to "prune at this step?" and "which sparsity?".
 *
 * <p>A schedule has two faces that must agree bit for bit: {@link #at(long)} evaluates it in plain
 * Java (for inspection, plots and tests) and {@link #at(Ops, Operand)} builds the same computation as
 * TensorFlow ops on an int64 scalar step, for graph or eager execution. Steps count completed
 * training steps from 0. Implementations are immutable values.
 *
 * <p>To write your own schedule, extend {@link GatedSchedule}: it supplies the reference's
 * begin/end/frequency gate and leaves only the sparsity curve to you.
 */
public interface PruningSchedule {

  /** The decision for {@code step}, computed in plain Java with float32 arithmetic. */
  ScheduleDecision at(long step);

  /** The decision for an int64 scalar {@code step}, as TensorFlow ops built with {@code tf}. */
  ScheduleOps at(Ops tf, Operand<TInt64> step);

  /** First step at which this schedule may prune. */
  long beginStep();

  /** Last step at which this schedule may prune, or -1 for "no end". */
  long endStep();

  /** Number of steps between two mask updates. */
  long frequency();

  /**
   * A note when this schedule will not do what its settings suggest (e.g. its last pruning step falls
   * well before {@code end}, so the final sparsity is never reached), or empty. {@link
   * dev.topiary.ops.PruningSpec} logs it as a warning when the schedule is first used in a spec.
   */
  default java.util.Optional<String> review() {
    return java.util.Optional.empty();
  }
}
