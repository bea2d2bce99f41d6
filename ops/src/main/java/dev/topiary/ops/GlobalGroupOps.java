package dev.topiary.ops;

import dev.topiary.ops.mask.MaskResult;
import dev.topiary.ops.schedule.ScheduleOps;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.SwitchCond;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The graph state and update of a global pruning group: per weight the usual state (mask, threshold,
 * update count under the {@link PruningState} names), and one conditional recompute of every mask of
 * the group from all its weights ({@link GlobalMagnitude#ops}). Otherwise the same step as a
 * per-tensor weight ({@link PrunedWeight#update()}): masks recomputed behind a Switch/Merge gate, the
 * stored weights zeroed on the step before a mask update.
 */
final class GlobalGroupOps {
  private GlobalGroupOps() {}

  static List<PrunedWeight> attach(Ops tf, List<Variable<TFloat32>> weights, GlobalPruningSpec group,
      ScheduleOps now, ScheduleOps next) {
    PruningSpec memberSpec = group.memberSpec();
    int count = weights.size();
    List<Variable<TFloat32>> masks = new ArrayList<>();
    List<Variable<TFloat32>> thresholds = new ArrayList<>();
    List<Variable<TInt64>> updates = new ArrayList<>();
    for (Variable<TFloat32> weight : weights) {
      PrunedWeight.State state = PrunedWeight.State.create(tf, weight);
      masks.add(state.mask());
      thresholds.add(state.threshold());
      updates.add(state.updates());
    }

    Ops g = SubScopes.of(tf, tf.scope().makeUnique("global_" + group.name() + "_prune"));
    Operand<TBool> recompute = now.shouldPrune();
    List<Operand<TFloat32>> current = new ArrayList<>();
    List<Identity<TFloat32>> pivots = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      Operand<TFloat32> c = g.identity(weights.get(j));
      current.add(c);
      pivots.add(g.withName("recompute_pivot_" + j).identity(g.switchCond(c, recompute).outputTrue()));
    }
    // Every op of the recompute branch hangs off the pivots, so it is dead, and skipped, unless `recompute`.
    Ops branch = SubScopes.of(g, "recompute").withControlDependencies(new ArrayList<Op>(pivots));
    Operand<TFloat32> sparsity = branch.identity(g.switchCond(now.sparsity(), recompute).outputTrue());
    List<MaskResult> fresh = GlobalMagnitude.ops(branch, group, pivots, sparsity);

    Operand<TBool> zero = next.shouldPrune();
    List<PrunedWeight> out = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      Variable<TFloat32> weight = weights.get(j);
      Ops w = SubScopes.of(g, Graphs.flatName(weight.op().name()));
      Operand<TFloat32> storedMask = branch.identity(branch.assign(masks.get(j), fresh.get(j).mask()));
      Operand<TFloat32> storedThreshold = branch.identity(branch.assign(thresholds.get(j), fresh.get(j).threshold()));
      SwitchCond<TFloat32> keepMask = w.switchCond(w.identity(masks.get(j)), recompute);
      SwitchCond<TFloat32> keepThreshold = w.switchCond(w.identity(thresholds.get(j)), recompute);
      Operand<TFloat32> newMask = w.merge(List.of(storedMask, keepMask.outputFalse())).output();
      Op newThreshold = w.merge(List.of(storedThreshold, keepThreshold.outputFalse()));
      Op counted = w.assignAdd(updates.get(j), w.dtypes.cast(recompute, TInt64.class));
      // Zero the pruned weights when the next step recomputes the masks.
      Identity<TFloat32> zeroPivot = w.withName("zero_pivot").identity(w.switchCond(current.get(j), zero).outputTrue());
      Ops zeroBranch = SubScopes.of(w, "zero").withControlDependencies(List.of(zeroPivot));
      Operand<TFloat32> zeroed = zeroBranch.identity(zeroBranch.assign(weight, zeroBranch.math.mul(zeroPivot, newMask)));
      Op zeroDone = w.merge(List.of(zeroed, w.switchCond(newMask, zero).outputFalse()));
      Op update = w.withControlDependencies(List.of(newThreshold, counted, zeroDone)).withName("update").noOp();
      Ops stripScope = SubScopes.of(tf, Graphs.flatName(weight.op().name()) + "_strip");
      Op strip = stripScope.assign(weight, stripScope.math.mul(stripScope.identity(weight), stripScope.identity(masks.get(j))));
      out.add(new PrunedWeight(weight, memberSpec, masks.get(j), thresholds.get(j), updates.get(j), update, strip));
    }
    return out;
  }
}
