package dev.topiary.ops;

import dev.topiary.ops.mask.MaskResult;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ScheduleOps;
import java.util.ArrayList;
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

  /**
   * Attaches pruning state to each of {@code weights} ({@code specs} in the same order: one schedule,
   * equal strategies); {@code now} and {@code next} are that schedule evaluated at the current and the
   * following step. The weights' masks are recomputed behind one gate and built together
   * ({@link MaskStrategy#ops(Ops, List, Operand)}); a strategy whose mask is fixed after its first
   * update gates each weight on its own update count, so such weights are attached one by one.
   *
   * <p>One training step's pruning, exactly equivalent to the reference's "if the schedule says so,
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
  static List<PrunedWeight> attach(Ops tf, List<Variable<TFloat32>> weights, List<PruningSpec> specs,
      ScheduleOps now, ScheduleOps next) {
    MaskStrategy strategy = specs.get(0).strategy();
    if (strategy.fixedAfterFirstUpdate() && weights.size() > 1) {
      List<PrunedWeight> out = new ArrayList<>();
      for (int j = 0; j < weights.size(); j++) {
        out.addAll(attach(tf, List.of(weights.get(j)), List.of(specs.get(j)), now, next));
      }
      return out;
    }
    int count = weights.size();
    List<Ops> scopes = new ArrayList<>();
    List<State> states = new ArrayList<>();
    for (Variable<TFloat32> weight : weights) {
      states.add(State.create(tf, weight));
      strategy.validate(weight.shape());
      scopes.add(SubScopes.of(tf, Graphs.flatName(weight.op().name()) + "_prune"));
    }

    Operand<TBool> recompute = now.shouldPrune();
    if (strategy.fixedAfterFirstUpdate()) {
      Ops w = scopes.get(0);
      recompute = w.math.logicalAnd(recompute, w.math.equal(w.identity(states.get(0).updates()), w.constant(0L)));
    }
    // Every op of a recompute branch hangs off a pivot (data or control), so the whole branch is dead,
    // and skipped, when `recompute` is false.
    List<Operand<TFloat32>> current = new ArrayList<>();
    List<Identity<TFloat32>> pivots = new ArrayList<>();
    List<Ops> branches = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      Ops w = scopes.get(j);
      current.add(w.identity(weights.get(j)));
      pivots.add(w.withName("recompute_pivot").identity(w.switchCond(current.get(j), recompute).outputTrue()));
      branches.add(SubScopes.of(w, "recompute").withControlDependencies(List.of(pivots.get(j))));
    }
    // One weight's masks are built in its own branch; several weights' in a branch of their own, gated once.
    Ops masks = count == 1 ? scopes.get(0) : SubScopes.of(tf, "pruning_masks");
    Ops maskBranch = count == 1 ? branches.get(0) : SubScopes.of(masks, "recompute").withControlDependencies(
        List.of(masks.withName("recompute_pivot").identity(masks.switchCond(recompute, recompute).outputTrue())));
    Operand<TFloat32> sparsity = maskBranch.identity(masks.switchCond(now.sparsity(), recompute).outputTrue());
    List<MaskResult> fresh = strategy.ops(maskBranch, new ArrayList<>(pivots), sparsity);
    if (fresh.size() != count) {
      throw new IllegalStateException("mask strategy " + strategy + " returned " + fresh.size() + " masks for " + count + " weights");
    }

    Operand<TBool> zero = strategy.fixedAfterFirstUpdate() ? null : next.shouldPrune();
    List<PrunedWeight> out = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      Ops w = scopes.get(j);
      Ops branch = branches.get(j);
      Variable<TFloat32> weight = weights.get(j);
      Variable<TFloat32> mask = states.get(j).mask();
      Variable<TFloat32> threshold = states.get(j).threshold();
      Variable<TInt64> maskUpdates = states.get(j).updates();
      Operand<TFloat32> storedMask = branch.identity(branch.assign(mask, fresh.get(j).mask()));
      Operand<TFloat32> storedThreshold = branch.identity(branch.assign(threshold, fresh.get(j).threshold()));
      SwitchCond<TFloat32> keepMask = w.switchCond(w.identity(mask), recompute);
      SwitchCond<TFloat32> keepThreshold = w.switchCond(w.identity(threshold), recompute);
      Operand<TFloat32> newMask = w.merge(List.of(storedMask, keepMask.outputFalse())).output();
      Op newThreshold = w.merge(List.of(storedThreshold, keepThreshold.outputFalse()));
      Op counted = w.assignAdd(maskUpdates, w.dtypes.cast(recompute, TInt64.class));
      List<Op> done = new ArrayList<>(List.of(newThreshold, counted));
      if (zero != null) {
        // Zero the pruned weights when the next step recomputes the mask (a fixed mask never is).
        Identity<TFloat32> zeroPivot = w.withName("zero_pivot").identity(w.switchCond(current.get(j), zero).outputTrue());
        Ops zeroBranch = SubScopes.of(w, "zero").withControlDependencies(List.of(zeroPivot));
        Operand<TFloat32> zeroed = zeroBranch.identity(zeroBranch.assign(weight, zeroBranch.math.mul(zeroPivot, newMask)));
        done.add(w.merge(List.of(zeroed, w.switchCond(newMask, zero).outputFalse())));
      } else {
        done.add(asOp(newMask));
      }
      Op update = w.withControlDependencies(done).withName("update").noOp();
      Ops stripScope = SubScopes.of(tf, Graphs.flatName(weight.op().name()) + "_strip");
      Op strip = stripScope.assign(weight, stripScope.math.mul(stripScope.identity(weight), stripScope.identity(mask)));
      out.add(new PrunedWeight(weight, specs.get(j), mask, threshold, maskUpdates, update, strip));
    }
    return out;
  }

  /** A weight's pruning state variables, named and started as the state contract ({@link PruningState}) says. */
  record State(Variable<TFloat32> mask, Variable<TFloat32> threshold, Variable<TInt64> updates) {
    /** Creates the state of {@code weight}, a variable of fully known shape. */
    static State create(Ops tf, Variable<TFloat32> weight) {
      Shape shape = weight.shape();
      if (shape.hasUnknownDimension()) {
        throw new IllegalArgumentException(
            "weight '" + weight.op().name() + "' has shape " + shape + "; pruning needs a fully known shape");
      }
      // Names and start values come from the state contract, which eager models and files share.
      List<PruningState.Variable> state = PruningState.of(weight.op().name(), shape.asArray());
      return new State(
          tf.withName(state.get(0).name()).variable(tf.fill(tf.constant(shape), tf.constant((float) state.get(0).start()))),
          tf.withName(state.get(1).name()).variable(tf.constant((float) state.get(1).start())),
          tf.withName(state.get(2).name()).variable(tf.constant((long) state.get(2).start())));
    }
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
