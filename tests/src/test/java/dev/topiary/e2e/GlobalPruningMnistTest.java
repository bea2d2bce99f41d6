package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.GlobalPruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.mnist.MnistPruning;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The tutorial CNN on the embedded MNIST with global pruning: the group reaches its total exactly;
 * and a quick comparison with per-layer pruning at the same total (printed, not asserted tightly):
 * the main job's flow (4 dense epochs, then 2 fine-tuning epochs with PolynomialDecay 0.5 -> target,
 * frequency 10, ending on a mask-update step).
 */
class GlobalPruningMnistTest {
  private static final long CONV = 3 * 3 * 1 * 12;
  private static final long DENSE = 13 * 13 * 12 * 10;

  private static long expectedKept(long total, double sparsity) {
    float real = (float) total * (1f - (float) sparsity);
    return Math.max(new BigDecimal(real).setScale(0, RoundingMode.HALF_EVEN).longValueExact(), 1);
  }

  @Test
  void globalPruningOfTheTutorialCnnHitsTheTotalExactly() {
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    MnistPruning.Settings s = MnistPruning.Settings.defaults().targets(List.of(0.9, 0.95)).progress(ProgressSink.silent());
    List<MnistPruning.Variant> variants = new ArrayList<>(MnistPruning.polynomialVariants(s));
    for (double target : s.targets()) {
      variants.add(new MnistPruning.Variant("global " + target, target, (spec, end) -> spec.prunedGlobally(
          GlobalPruningSpec.of(PolynomialDecay.of(s.initialSparsity(), target, 0, end, 3, s.frequency())))));
    }
    List<MnistPruning.Row> rows = MnistPruning.run(MnistPruning.model(), train, test, s, variants);

    System.out.println("model            total  accuracy  conv2d_kernel  dense_kernel");
    for (MnistPruning.Row r : rows) {
      System.out.println(String.format(Locale.ROOT, "%-15s  %5.2f  %8.4f  %13s  %12s", r.model(), r.targetSparsity(),
          r.testAccuracy(), format(r.sparsity().get("conv2d_kernel")), format(r.sparsity().get("dense_kernel"))));
    }
    MnistPruning.Row global95 = rows.stream().filter(r -> r.model().equals("global 0.95")).findFirst().orElseThrow();
    long zeros = Math.round(global95.sparsity().get("conv2d_kernel") * CONV)
        + Math.round(global95.sparsity().get("dense_kernel") * DENSE);
    assertThat(CONV + DENSE - zeros).isEqualTo(expectedKept(CONV + DENSE, 0.95));
    // Each layer at its own sparsity: the small conv kernel keeps more than 5 % of its weights.
    assertThat(global95.sparsity().get("conv2d_kernel")).isLessThan(global95.sparsity().get("dense_kernel"));
    assertThat(global95.testAccuracy()).isGreaterThan(0.5);
  }

  private static String format(Double sparsity) {
    return sparsity == null ? "-" : String.format(Locale.ROOT, "%.4f", sparsity);
  }
}
