package dev.topiary.samples.structured;

import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.List;

/**
 * 2:4 structured sparsity (two zeros in every four consecutive input-channel weights, the pattern
 * sparse tensor cores accelerate) on the MNIST CNN, next to 1:4 and 3:4. The conv kernel has a single
 * input channel, so, as in the reference, m-by-n cannot prune it: only the Dense kernel is sparse.
 */
public final class TwoFourSparsity {
  private TwoFourSparsity() {}

  public static void main(String[] args) throws Exception {
    MnistPruning.runSample("m-by-n structured sparsity", args, MnistPruning.model(), s -> List.of(
        variant(1, 4, s), variant(2, 4, s), variant(3, 4, s)));
  }

  private static MnistPruning.Variant variant(int m, int n, MnistPruning.Settings s) {
    // The mask is fixed at the first pruning step (begin 0); the schedule's sparsity is not used.
    return new MnistPruning.Variant(m + ":" + n, (double) m / n,
        (spec, end) -> spec.prunedWith(PruningSpec.mByN(m, n, ConstantSparsity.of(0.5, 0, -1, s.frequency()))));
  }
}
