package dev.topiary.ops;

import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ScheduleOps;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
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
   * ({@link MaskStrategy#ops(Ops, List, Operand)}; the step as {@link GroupUpdate} builds it); a
   * strategy whose mask is fixed after its first update gates each weight on its own update count, so
   * such weights are attached one by one.
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
    List<State> states = new ArrayList<>();
    for (Variable<TFloat32> weight : weights) {
      states.add(State.create(tf, weight));
      strategy.validate(weight.shape());
    }
    Ops group = weights.size() == 1
        ? SubScopes.of(tf, Graphs.flatName(weights.get(0).op().name()) + "_prune")
        : SubScopes.of(tf, "pruning_masks");
    Operand<TBool> recompute = now.shouldPrune();
    Operand<TBool> zero = null;
    if (strategy.fixedAfterFirstUpdate()) {
      recompute = group.math.logicalAnd(recompute, group.math.equal(group.identity(states.get(0).updates()), group.constant(0L)));
    } else {
      zero = next.shouldPrune();
    }
    return GroupUpdate.build(tf, group, weights, specs, states, recompute, zero, now.sparsity(), strategy::ops);
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
