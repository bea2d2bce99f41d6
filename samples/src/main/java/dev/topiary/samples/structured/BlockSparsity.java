package dev.topiary.samples.structured;

import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.ArrayList;
import java.util.List;

/**
 * Block sparsity on the MNIST CNN's Dense kernel: 1x4 blocks of weights kept or pruned together
 * (AVG and MAX pooling of the block magnitudes), against unstructured pruning at the same target.
 */
public final class BlockSparsity {
  private BlockSparsity() {}

  public static void main(String[] args) throws Exception {
    MnistPruning.runSample("Block sparsity 1x4 on Dense", args, MnistPruning.model(), s -> {
      List<MnistPruning.Variant> out = new ArrayList<>();
      for (double target : s.targets()) {
        out.add(variant("unstructured " + target, target, null, s));
        out.add(variant("1x4 avg " + target, target, BlockPooling.AVG, s));
        out.add(variant("1x4 max " + target, target, BlockPooling.MAX, s));
      }
      return out;
    });
  }

  private static MnistPruning.Variant variant(String name, double target, BlockPooling pooling, MnistPruning.Settings s) {
    return new MnistPruning.Variant(name, target, (spec, end) -> {
      PruningSpec p = PruningSpec.of(PolynomialDecay.of(s.initialSparsity(), target, 0, end, 3, s.frequency()));
      return spec.prunedWith(pooling == null ? p : p.withBlock(1, 4, pooling), PruningPolicy.only(Dense.class));
    });
  }
}
