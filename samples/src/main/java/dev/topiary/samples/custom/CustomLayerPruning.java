package dev.topiary.samples.custom;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.ArrayList;
import java.util.List;

/** Pruning a user-written layer ({@link ScaledDense}) in an MNIST MLP. */
public final class CustomLayerPruning {
  private CustomLayerPruning() {}

  static ModelSpec model() {
    return Sequential.of(Input.of(28, 28),
        Flatten.of(),
        ScaledDense.of(128),
        ActivationLayer.of(Activation.RELU),
        ScaledDense.of(10));
  }

  public static void main(String[] args) throws Exception {
    ScaledDense.register(); // its type: saved settings and .tflite lowering, so the .tflite table can write it
    MnistPruning.runSample("A custom prunable layer", args, model(), s -> {
      List<MnistPruning.Variant> out = new ArrayList<>();
      for (double target : s.targets()) {
        out.add(new MnistPruning.Variant("ScaledDense " + target, target, (spec, end) -> spec.prunedWith(
            PruningSpec.of(PolynomialDecay.of(s.initialSparsity(), target, 0, end, 3, s.frequency())))));
      }
      return out;
    });
  }
}
