package dev.topiary.ops;

import dev.topiary.ops.mask.MaskResult;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.Merge;
import org.tensorflow.op.core.SwitchCond;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * One training step's pruning of weights whose masks are recomputed together (weights sharing a
 * schedule and a strategy, or a global group), exactly the reference's "if the schedule says so,
 * recompute mask and threshold from the current weights; then {@code weight := weight * mask}":
 *
 * <ul>
 *   <li>the mask recomputation sits behind a Switch/Merge conditional, so on other steps none of its
 *       ops run;
 *   <li>the forward pass reads {@code weight * mask} ({@link PruningHook#read}), so it always sees
 *       the pruned weights;
 *   <li>the stored weight is set to {@code weight * mask} only on the step before a mask update (and
 *       by {@link PrunedWeight#strip()}). Optimizer steps do not depend on a weight's value, so kept
 *       weights evolve exactly as in the reference, and a pruned weight holds exactly one optimizer
 *       step of regrowth when its magnitude is next compared: the reference's values, without
 *       rewriting the whole tensor on every step.
 * </ul>
 *
 * <p>The gates are the group's, not each weight's: {@code Switch(recompute, recompute)} and every op of
 * the recompute branch has a control input from its true side (a dead control input makes an op dead,
 * so the branch is skipped), and a Merge of the branch's end with the false side is alive either way
 * and orders what follows after the new masks; the zeroing has the same gate on {@code zero}. Per
 * weight that leaves its reads, its mask's ops, the assignments and the update count: TF's graph
 * optimization and executor set-up, which the first step pays, grow with the node count, and gates
 * per weight made a pruned model's graph about twice a dense one's.
 */
final class GroupUpdate {
  private GroupUpdate() {}

  /** The masks of {@code weights} (read inside the recompute branch) at {@code sparsity}, built with {@code branch}. */
  interface Masks {
    List<MaskResult> of(Ops branch, List<Operand<TFloat32>> weights, Operand<TFloat32> sparsity);
  }

  /**
   * Builds the update of {@code weights} (with their {@code states} and {@code specs}) in scope {@code group}:
   * masks recomputed by {@code masks} when {@code recompute}, at {@code sparsity}; the stored weights zeroed
   * when {@code zero} (the next step recomputes; null for masks fixed after their first update).
   */
  static List<PrunedWeight> build(Ops tf, Ops group, List<Variable<TFloat32>> weights, List<PruningSpec> specs,
      List<PrunedWeight.State> states, Operand<TBool> recompute, @Nullable Operand<TBool> zero,
      Operand<TFloat32> sparsity, Masks masks) {
    int count = weights.size();
    SwitchCond<TBool> recomputeSwitch = group.switchCond(recompute, recompute);
    Identity<TBool> recomputeGate = group.withName("recompute_pivot").identity(recomputeSwitch.outputTrue());
    Ops branch = SubScopes.of(group, "recompute").withControlDependencies(List.of(recomputeGate));
    List<Operand<TFloat32>> current = new ArrayList<>();
    for (Variable<TFloat32> weight : weights) {
      current.add(branch.identity(weight));
    }
    List<MaskResult> fresh = masks.of(branch, current, branch.identity(sparsity));
    if (fresh.size() != count) {
      throw new IllegalStateException("a mask strategy returned " + fresh.size() + " masks for " + count + " weights");
    }
    List<Op> assigned = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      assigned.add(branch.assign(states.get(j).mask(), fresh.get(j).mask()));
      assigned.add(branch.assign(states.get(j).threshold(), fresh.get(j).threshold()));
    }
    Merge<TBool> recomputed = gateEnd(group, branch, assigned, recomputeGate, recomputeSwitch);

    // A Merge fires on its first live input: the zeroing's false side does not wait for the masks, so
    // the update waits for both ends.
    List<Op> done = new ArrayList<>(List.of(recomputed));
    if (zero != null) {
      SwitchCond<TBool> zeroSwitch = group.switchCond(zero, zero);
      // The zeroing reads the masks this step may have recomputed.
      Identity<TBool> zeroGate = group.withControlDependencies(List.of(recomputed)).withName("zero_pivot")
          .identity(zeroSwitch.outputTrue());
      Ops zeroBranch = SubScopes.of(group, "zero").withControlDependencies(List.of(zeroGate));
      List<Op> zeroed = new ArrayList<>();
      for (int j = 0; j < count; j++) {
        zeroed.add(zeroBranch.assign(weights.get(j),
            zeroBranch.math.mul(zeroBranch.identity(weights.get(j)), zeroBranch.identity(states.get(j).mask()))));
      }
      done.add(gateEnd(group, zeroBranch, zeroed, zeroGate, zeroSwitch));
    }

    Operand<TInt64> increment = group.dtypes.cast(recompute, TInt64.class);
    List<PrunedWeight> out = new ArrayList<>();
    for (int j = 0; j < count; j++) {
      Variable<TFloat32> weight = weights.get(j);
      PrunedWeight.State state = states.get(j);
      Ops w = count == 1 ? group : SubScopes.of(group, Graphs.flatName(weight.op().name()));
      Op counted = w.assignAdd(state.updates(), increment);
      List<Op> waits = new ArrayList<>(done);
      waits.add(counted);
      Op update = w.withControlDependencies(waits).withName("update").noOp();
      Ops stripScope = SubScopes.of(tf, Graphs.flatName(weight.op().name()) + "_strip");
      Op strip = stripScope.assign(weight, stripScope.math.mul(stripScope.identity(weight), stripScope.identity(state.mask())));
      out.add(new PrunedWeight(weight, specs.get(j), state.mask(), state.threshold(), state.updates(), update, strip));
    }
    return out;
  }

  /** A Merge alive whether the branch ran (after {@code ops}) or not (the switch's false side). */
  private static Merge<TBool> gateEnd(Ops group, Ops branch, List<Op> ops, Identity<TBool> gate, SwitchCond<TBool> gateSwitch) {
    Identity<TBool> end = branch.withControlDependencies(ops).identity(gate);
    return group.merge(List.of(end, gateSwitch.outputFalse()));
  }
}
