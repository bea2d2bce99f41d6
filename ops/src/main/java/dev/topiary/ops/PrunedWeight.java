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

  private PrunedWeight(Ops tf, Variable<TFloat32> weight, PruningSpec spec, PruningStep step) {
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
    this.mask = tf.withName(base + "_prune_mask").variable(tf.fill(tf.constant(shape), tf.constant(1f)));
    this.threshold = tf.withName(base + "_prune_threshold").variable(tf.constant(0f));
    this.maskUpdates = tf.withName(base + "_prune_updates").variable(tf.constant(0L));
    this.update = buildUpdate(tf.withSubScope(base + "_prune"), step);
    Ops stripScope = tf.withSubScope(base + "_strip");
    this.strip = stripScope.assign(weight, stripScope.math.mul(stripScope.identity(weight), stripScope.identity(mask)));
  }

  static PrunedWeight attach(Ops tf, Variable<TFloat32> weight, PruningSpec spec, PruningStep step) {
    return new PrunedWeight(tf, weight, spec, step);
  }

  /**
   * One training step's pruning: if the schedule says so, recompute mask and threshold from the
   * current weights; then {@code weight := weight * mask}. The mask computation sits behind a
   * Switch/Merge conditional, so on other steps none of its ops run.
   */
  private Op buildUpdate(Ops tf, PruningStep step) {
    Operand<TFloat32> current = tf.identity(weight);
    ScheduleOps decision = spec.schedule().at(tf, step.read(tf));
    Operand<TBool> recompute = decision.shouldPrune();
    if (spec.strategy().fixedAfterFirstUpdate()) {
      recompute = tf.math.logicalAnd(recompute, tf.math.equal(tf.identity(maskUpdates), tf.constant(0L)));
    }

    // Every op of the recompute branch hangs off `pivot` (data or control), so the whole branch is
    // dead, and skipped, when `recompute` is false.
    Identity<TFloat32> pivot = tf.withName("recompute_pivot").identity(tf.switchCond(current, recompute).outputTrue());
    Ops branch = tf.withSubScope("recompute").withControlDependencies(List.of(pivot));
    Operand<TFloat32> sparsity = branch.identity(tf.switchCond(decision.sparsity(), recompute).outputTrue());
    MaskResult fresh = spec.strategy().ops(branch, pivot, sparsity);
    Operand<TFloat32> storedMask = branch.identity(branch.assign(mask, fresh.mask()));
    Operand<TFloat32> storedThreshold = branch.identity(branch.assign(threshold, fresh.threshold()));

    SwitchCond<TFloat32> keepMask = tf.switchCond(tf.identity(mask), recompute);
    SwitchCond<TFloat32> keepThreshold = tf.switchCond(tf.identity(threshold), recompute);
    Operand<TFloat32> newMask = tf.merge(List.of(storedMask, keepMask.outputFalse())).output();
    Op newThreshold = tf.merge(List.of(storedThreshold, keepThreshold.outputFalse()));

    Op apply = tf.assign(weight, tf.math.mul(current, newMask));
    Op count = tf.assignAdd(maskUpdates, tf.dtypes.cast(recompute, TInt64.class));
    return tf.withControlDependencies(List.of(apply, count, newThreshold)).withName("update").noOp();
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

  /** This weight's part of a training step (without advancing the step; see {@link PruningHook#update()}). */
  public Op update() {
    return update;
  }

  /** {@code weight := weight * mask}: makes the stored weight itself sparse, for export. */
  public Op strip() {
    return strip;
  }

  /** The mask's sparsity, {@code 1 - mean(mask)}, as the reference's {@code <name>/sparsity} summary. */
  public Operand<TFloat32> sparsity(Ops tf) {
    return tf.math.sub(tf.constant(1f), Measurements.mean(tf, tf.identity(mask)));
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
