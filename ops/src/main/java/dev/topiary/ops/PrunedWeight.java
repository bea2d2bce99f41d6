package dev.topiary.ops;

import dev.topiary.ops.mask.MaskResult;
import dev.topiary.ops.schedule.ScheduleOps;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.SwitchCond;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The pruning state of one weight variable in a graph: its mask (ones at first), the threshold of the
 * last mask update, the number of mask updates, and the ops that update and strip it. Made by
 * {@link PruningHook}; several weights share one {@link PruningStep}.
 *
 * <p>Non-trainable state: an optimizer must never see the mask, threshold or counter variables.
 */
public final class PrunedWeight {
  private final String name;
  private final Variable<TFloat32> weight;
  private final PruningSpec spec;
  private final Variable<TFloat32> mask;
  private final Variable<TFloat32> threshold;
  private final Variable<TInt64> maskUpdates;
  private final Op update;
  private final Op strip;

  private PrunedWeight(Ops tf, Variable<TFloat32> weight, PruningSpec spec, ScheduleOps now, ScheduleOps next) {
    Shape shape = weight.shape();
    if (shape.hasUnknownDimension()) {
      throw new IllegalArgumentException(
          "weight '" + weight.op().name() + "' has shape " + shape + "; pruning needs a fully known shape");
    }
    spec.strategy().validate(shape);
    this.name = weight.op().name();
    this.weight = weight;
    this.spec = spec;
    String base = Graphs.flatName(name);
    // Names and start values come from the state contract, which eager models and files share.
    List<PruningState.Variable> state = PruningState.of(name, shape.asArray());
    this.mask = tf.withName(state.get(0).name()).variable(tf.fill(tf.constant(shape), tf.constant((float) state.get(0).start())));
    this.threshold = tf.withName(state.get(1).name()).variable(tf.constant((float) state.get(1).start()));
    this.maskUpdates = tf.withName(state.get(2).name()).variable(tf.constant((long) state.get(2).start()));
    this.update = buildUpdate(SubScopes.of(tf, base + "_prune"), now, next);
    Ops stripScope = SubScopes.of(tf, base + "_strip");
    this.strip = stripScope.assign(weight, stripScope.math.mul(stripScope.identity(weight), stripScope.identity(mask)));
  }

  /** A weight whose state and update ops were built elsewhere (a global group, {@link GlobalGroupOps}). */
  PrunedWeight(Variable<TFloat32> weight, PruningSpec spec, Variable<TFloat32> mask, Variable<TFloat32> threshold,
      Variable<TInt64> maskUpdates, Op update, Op strip) {
    this.name = weight.op().name();
    this.weight = weight;
    this.spec = spec;
    this.mask = mask;
    this.threshold = threshold;
    this.maskUpdates = maskUpdates;
    this.update = update;
    this.strip = strip;
  }

  /**
   * Attaches pruning state to {@code weight}; {@code now} and {@code next} are its schedule evaluated
   * at the current and the following step.
   */
  /** Name of the mask variable of weight {@code weightName}; see {@link PruningState#maskName}. */
  public static String maskName(String weightName) {
    return PruningState.maskName(weightName);
  }

  /** See {@link PruningState#thresholdName}. */
  public static String thresholdName(String weightName) {
    return PruningState.thresholdName(weightName);
  }

  /** See {@link PruningState#updatesName}. */
  public static String updatesName(String weightName) {
    return PruningState.updatesName(weightName);
  }

  static PrunedWeight attach(Ops tf, Variable<TFloat32> weight, PruningSpec spec, ScheduleOps now, ScheduleOps next) {
    return new PrunedWeight(tf, weight, spec, now, next);
  }

  /**
   * One training step's pruning, exactly equivalent to the reference's "if the schedule says so,
   * recompute mask and threshold from the current weights; then {@code weight := weight * mask}":
   *
   * <ul>
   *   <li>the mask recomputation sits behind a Switch/Merge conditional, so on other steps none of its
   *       ops run;
   *   <li>the forward pass reads {@code weight * mask} ({@link PruningHook#read}), so it always sees
   *       the pruned weights;
   *   <li>the stored weight is set to {@code weight * mask} only on the step before a mask update (and
   *       by {@link #strip()}). Optimizer steps do not depend on a weight's value, so kept weights
   *       evolve exactly as in the reference, and a pruned weight holds exactly one optimizer step of
   *       regrowth when its magnitude is next compared: the reference's values, without rewriting the
   *       whole tensor on every step.
   * </ul>
   */
  private Op buildUpdate(Ops tf, ScheduleOps now, ScheduleOps next) {
    Operand<TFloat32> current = tf.identity(weight);
    Operand<TBool> recompute = now.shouldPrune();
    if (spec.strategy().fixedAfterFirstUpdate()) {
      recompute = tf.math.logicalAnd(recompute, tf.math.equal(tf.identity(maskUpdates), tf.constant(0L)));
    }

    // Every op of the recompute branch hangs off `pivot` (data or control), so the whole branch is
    // dead, and skipped, when `recompute` is false.
    Identity<TFloat32> pivot = tf.withName("recompute_pivot").identity(tf.switchCond(current, recompute).outputTrue());
    Ops branch = SubScopes.of(tf, "recompute").withControlDependencies(List.of(pivot));
    Operand<TFloat32> sparsity = branch.identity(tf.switchCond(now.sparsity(), recompute).outputTrue());
    MaskResult fresh = spec.strategy().ops(branch, pivot, sparsity);
    Operand<TFloat32> storedMask = branch.identity(branch.assign(mask, fresh.mask()));
    Operand<TFloat32> storedThreshold = branch.identity(branch.assign(threshold, fresh.threshold()));

    SwitchCond<TFloat32> keepMask = tf.switchCond(tf.identity(mask), recompute);
    SwitchCond<TFloat32> keepThreshold = tf.switchCond(tf.identity(threshold), recompute);
    Operand<TFloat32> newMask = tf.merge(List.of(storedMask, keepMask.outputFalse())).output();
    Op newThreshold = tf.merge(List.of(storedThreshold, keepThreshold.outputFalse()));
    Op count = tf.assignAdd(maskUpdates, tf.dtypes.cast(recompute, TInt64.class));
    List<Op> done = new java.util.ArrayList<>(List.of(newThreshold, count));

    if (!spec.strategy().fixedAfterFirstUpdate()) {
      // Zero the pruned weights when the next step recomputes the mask (a fixed mask never is).
      Operand<TBool> zero = next.shouldPrune();
      Identity<TFloat32> zeroPivot = tf.withName("zero_pivot").identity(tf.switchCond(current, zero).outputTrue());
      Ops zeroBranch = SubScopes.of(tf, "zero").withControlDependencies(List.of(zeroPivot));
      Operand<TFloat32> zeroed = zeroBranch.identity(zeroBranch.assign(weight, zeroBranch.math.mul(zeroPivot, newMask)));
      done.add(tf.merge(List.of(zeroed, tf.switchCond(newMask, zero).outputFalse())));
    } else {
      done.add(asOp(newMask));
    }
    return tf.withControlDependencies(done).withName("update").noOp();
  }

  private static Op asOp(Operand<?> operand) {
    org.tensorflow.Operation operation = operand.op();
    return () -> operation;
  }

  /** The pruned weight's variable op name, e.g. {@code dense_kernel}. */
  public String name() {
    return name;
  }

  public Variable<TFloat32> weight() {
    return weight;
  }

  public PruningSpec spec() {
    return spec;
  }

  public Variable<TFloat32> mask() {
    return mask;
  }

  public Variable<TFloat32> threshold() {
    return threshold;
  }

  /** How many times the mask was recomputed so far. */
  public Variable<TInt64> maskUpdates() {
    return maskUpdates;
  }

  /**
   * This weight's part of a training step (without advancing the step; see {@link PruningHook#update()}):
   * the conditional mask update, and zeroing of the stored pruned weights before a mask update.
   */
  public Op update() {
    return update;
  }

  /** {@code weight * mask}: the weight as the model must see it (no ordering with the update). */
  public Operand<TFloat32> masked(Ops tf) {
    return applyMask(tf, tf.identity(weight), tf.identity(mask));
  }

  /**
   * {@code weight * mask}: how every reader sees a pruned weight outside the training step (graph
   * inference, eager models, exported weights). The one definition of "apply the mask". (Named
   * apart from the instance {@link #masked(Ops)}: a static {@code masked} was callable through an
   * instance and ignored that instance's weight and mask.)
   */
  public static Operand<TFloat32> applyMask(Ops tf, Operand<TFloat32> weight, Operand<TFloat32> mask) {
    return tf.math.mul(weight, mask);
  }

  /** {@code weight := weight * mask}: makes the stored weight itself sparse, for export. */
  public Op strip() {
    return strip;
  }

  /** The mask's sparsity, {@code 1 - mean(mask)}, as the reference's {@code <name>/sparsity} summary. */
  public Operand<TFloat32> sparsity(Ops tf) {
    return maskSparsity(tf, tf.identity(mask));
  }

  /** {@code 1 - mean(mask)}: the reference's {@code <name>/sparsity}, for a mask held anywhere. */
  public static Operand<TFloat32> maskSparsity(Ops tf, Operand<TFloat32> mask) {
    return tf.math.sub(tf.constant(1f), Measurements.mean(tf, mask));
  }

  /** The threshold of the last mask update, as the reference's {@code <name>/threshold} summary. */
  public Operand<TFloat32> currentThreshold(Ops tf) {
    return tf.identity(threshold);
  }

  /** All variables holding this weight's pruning state (not the weight itself). */
  public List<Variable<?>> stateVariables() {
    return List.of(mask, threshold, maskUpdates);
  }
}
