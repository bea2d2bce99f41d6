package dev.topiary.ops.schedule;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Base of schedules that prune every {@code frequency} steps from {@code begin} up to {@code end}
 * (inclusive; -1 means no end), exactly as TF Model Optimization gates its schedules:
 * {@code step >= begin && (step <= end || end < 0) && (step - begin) % frequency == 0}.
 *
 * <p>Subclasses supply only the sparsity curve, once in Java and once as ops; both must use float32.
 */
public abstract class GatedSchedule implements PruningSchedule {
  private final long begin;
  private final long end;
  private final long frequency;

  /**
   * Validates the gate in the reference's order: begin, end, frequency.
   *
   * @throws IllegalArgumentException naming the parameter and its value
   */
  protected GatedSchedule(long begin, long end, long frequency) {
    requireArgument(begin >= 0, "begin", begin, "must be >= 0");
    requireArgument(end >= -1, "end", end, "must be >= -1 (-1 means no end)");
    requireArgument(end == -1 || end >= begin, "end", end, "must be >= begin (" + begin + ") or -1");
    requireArgument(frequency > 0, "frequency", frequency, "must be > 0");
    this.begin = begin;
    this.end = end;
    this.frequency = frequency;
  }

  /**
   * The last step the gate lets through, or -1 without an end: {@code begin + k * frequency} for the
   * largest k with that step {@code <= end}.
   */
  public final long lastPruningStep() {
    return end < 0 ? -1 : begin + (end - begin) / frequency * frequency;
  }

  /**
   * A note when the gate's last pruning step is not {@code end} and the sparsity there differs from
   * the sparsity at {@code end} by more than 0.01, or when no step after {@code begin} is ever gated
   * while the curve still changes: the mask then stays at that earlier sparsity for ever. TF Model
   * Optimization does not warn; its tutorial's end steps are often not multiples of the frequency,
   * which is fine as long as the last pruning step gets close to the final sparsity.
   */
  @Override
  public java.util.Optional<String> review() {
    long last = lastPruningStep();
    if (last < 0 || last == end) {
      return java.util.Optional.empty();
    }
    float reached = sparsityAt(last);
    float atEnd = sparsityAt(end);
    boolean neverAfterBegin = last == begin && reached != atEnd;
    if (!neverAfterBegin && !(Math.abs(reached - atEnd) > 0.01f)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(String.format(java.util.Locale.ROOT,
        "%s prunes every %d steps from step %d, so its last pruning step is %d (%s), where the sparsity is"
            + " %.4f; the sparsity at end step %d (%.4f) is never reached and the mask stays at %.4f. Use a"
            + " frequency that divides end - begin = %d, or end = %d",
        this, frequency, begin, last, neverAfterBegin ? "no pruning step after begin" : "before end", reached,
        end, atEnd, reached, end - begin, last + frequency));
  }

  private final java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();

  /** Logs {@link #review()} as a WARNING on the {@code dev.topiary} logger, once per schedule instance. */
  public final void warnOnce() {
    if (!warned.getAndSet(true)) {
      review().ifPresent(m -> System.getLogger("dev.topiary").log(System.Logger.Level.WARNING, m));
    }
  }

  /** The target sparsity at {@code step} in float32, computed in Java. */
  protected abstract float sparsityAt(long step);

  /** The target sparsity at {@code step} as a float32 scalar op; must equal {@link #sparsityAt(long)}. */
  protected abstract Operand<TFloat32> sparsityAt(Ops tf, Operand<TInt64> step);

  @Override
  public final ScheduleDecision at(long step) {
    boolean inRange = step >= begin && (step <= end || end < 0);
    boolean onTurn = Math.floorMod(step - begin, frequency) == 0;
    return new ScheduleDecision(inRange && onTurn, sparsityAt(step));
  }

  @Override
  public final ScheduleOps at(Ops tf, Operand<TInt64> step) {
    Operand<TBool> afterBegin = tf.math.greaterEqual(step, tf.constant(begin));
    Operand<TBool> beforeEnd =
        end < 0 ? tf.constant(true) : tf.math.lessEqual(step, tf.constant(end));
    Operand<TBool> onTurn =
        tf.math.equal(
            tf.math.floorMod(tf.math.sub(step, tf.constant(begin)), tf.constant(frequency)),
            tf.constant(0L));
    Operand<TBool> shouldPrune = tf.math.logicalAnd(tf.math.logicalAnd(afterBegin, beforeEnd), onTurn);
    return new ScheduleOps(shouldPrune, sparsityAt(tf, step));
  }

  @Override
  public final long beginStep() {
    return begin;
  }

  @Override
  public final long endStep() {
    return end;
  }

  @Override
  public final long frequency() {
    return frequency;
  }

  /** Sparsity must lie in [0, 1): 1.0 would remove every weight, and NaN is rejected too. */
  protected static void requireSparsity(String parameter, double value) {
    requireArgument(value >= 0.0 && value < 1.0, parameter, value, "must be in [0, 1)");
  }

  protected static void requireArgument(boolean ok, String parameter, Object value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(parameter + " " + rule + ", got " + value);
    }
  }
}
