package dev.topiary.ops;

import dev.topiary.ops.schedule.ScheduleOps;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The graph state and update of a global pruning group: per weight the usual state (mask, threshold,
 * update count under the {@link PruningState} names), and one conditional recompute of every mask of
 * the group from all its weights ({@link GlobalMagnitude#ops}), in the step every group of weights
 * shares ({@link GroupUpdate}).
 */
final class GlobalGroupOps {
  private GlobalGroupOps() {}

  static List<PrunedWeight> attach(Ops tf, List<Variable<TFloat32>> weights, GlobalPruningSpec group,
      ScheduleOps now, ScheduleOps next) {
    List<PrunedWeight.State> states = new ArrayList<>();
    for (Variable<TFloat32> weight : weights) {
      states.add(PrunedWeight.State.create(tf, weight));
    }
    Ops g = SubScopes.of(tf, "global_" + group.name() + "_prune");
    List<PruningSpec> specs = Collections.nCopies(weights.size(), group.memberSpec());
    return GroupUpdate.build(tf, g, weights, specs, states, now.shouldPrune(), next.shouldPrune(), now.sparsity(),
        (branch, current, sparsity) -> GlobalMagnitude.ops(branch, group, current, sparsity));
  }
}
