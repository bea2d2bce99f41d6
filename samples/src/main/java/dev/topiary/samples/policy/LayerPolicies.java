package dev.topiary.samples.policy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole-model pruning with a layer policy, on a deeper CNN (two convolutions, two Dense layers):
 * every prunable layer, only Dense layers, and everything but the first and the last layer.
 */
public final class LayerPolicies {
  private LayerPolicies() {}

  static ModelSpec model() {
    return Sequential.of(Input.of(28, 28),
        Reshape.of(28, 28, 1),
        Conv2D.of(8, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Conv2D.of(16, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Flatten.of(),
        Dense.of(64, Activation.RELU),
        Dense.of(10));
  }

  public static void main(String[] args) throws Exception {
    MnistPruning.runSample("Whole-model pruning with layer policies", args, model(), s -> {
      List<MnistPruning.Variant> out = new ArrayList<>();
      for (double target : s.targets()) {
        out.add(variant("all " + target, target, PruningPolicy.all(), s));
        out.add(variant("only Dense " + target, target, PruningPolicy.only(Dense.class), s));
        out.add(variant("inner only " + target, target, PruningPolicy.exceptFirstAndLast(), s));
      }
      return out;
    });
  }

  private static MnistPruning.Variant variant(String name, double target, PruningPolicy policy, MnistPruning.Settings s) {
    return new MnistPruning.Variant(name, target, (spec, end) -> spec.prunedWith(
        PruningSpec.of(PolynomialDecay.of(s.initialSparsity(), target, 0, end, 3, s.frequency())), policy));
  }
}
