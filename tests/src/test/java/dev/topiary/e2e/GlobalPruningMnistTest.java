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

  /**
   * Seeds and targets come from {@code -Dtopiary.global.seeds=0,1,2} and
   * {@code -Dtopiary.global.targets=0.8,0.9,0.95}, the groups' normalizations from
   * {@code -Dtopiary.global.normalizations=NONE,MAX_ABS,RMS} (defaults: the main job's seed 42; 0.9 and
   * 0.95; NONE).
   */
  @Test
  void globalPruningOfTheTutorialCnnHitsTheTotalExactly() {
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    List<Double> targets = java.util.Arrays.stream(System.getProperty("topiary.global.targets", "0.9,0.95").split(","))
        .map(Double::parseDouble).toList();
    java.util.Map<String, List<Double>> accuracies = new java.util.LinkedHashMap<>();
    for (String seedText : System.getProperty("topiary.global.seeds", "42").split(",")) {
      long seed = Long.parseLong(seedText.trim());
      MnistPruning.Settings d = MnistPruning.Settings.defaults();
      MnistPruning.Settings s = new MnistPruning.Settings(d.denseEpochs(), d.fineTuneEpochs(), d.batchSize(),
          d.validationSplit(), d.initialSparsity(), targets, d.frequency(), seed, ProgressSink.silent());
      List<MnistPruning.Variant> variants = new ArrayList<>(MnistPruning.polynomialVariants(s));
      for (String normalization : System.getProperty("topiary.global.normalizations", "NONE").split(",")) {
        GlobalPruningSpec.Normalization n = GlobalPruningSpec.Normalization.valueOf(normalization.trim());
        for (double target : s.targets()) {
          variants.add(new MnistPruning.Variant("global" + (n == GlobalPruningSpec.Normalization.NONE ? "" : "/" + n)
              + " " + target, target, (spec, end) -> spec.prunedGlobally(GlobalPruningSpec.of(
                  PolynomialDecay.of(s.initialSparsity(), target, 0, end, 3, s.frequency())).normalizedBy(n))));
        }
      }
      List<MnistPruning.Row> rows = MnistPruning.run(MnistPruning.model(), train, test, s, variants);

      System.out.println("seed " + seed + "\nmodel            total  accuracy  conv2d_kernel  dense_kernel");
      for (MnistPruning.Row r : rows) {
        System.out.println(String.format(Locale.ROOT, "%-22s  %5.2f  %8.4f  %13s  %12s", r.model(), r.targetSparsity(),
            r.testAccuracy(), format(r.sparsity().get("conv2d_kernel")), format(r.sparsity().get("dense_kernel"))));
        accuracies.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r.testAccuracy());
      }
      for (MnistPruning.Row global : rows.stream().filter(r -> r.model().startsWith("global")).toList()) {
        long zeros = Math.round(global.sparsity().get("conv2d_kernel") * CONV)
            + Math.round(global.sparsity().get("dense_kernel") * DENSE);
        assertThat(CONV + DENSE - zeros).as(global.model()).isEqualTo(expectedKept(CONV + DENSE, global.targetSparsity()));
        // Each layer at its own sparsity: the small conv kernel keeps a larger share of its weights.
        assertThat(global.sparsity().get("conv2d_kernel")).isLessThan(global.sparsity().get("dense_kernel"));
        assertThat(global.testAccuracy()).isGreaterThan(0.5);
      }
    }
    System.out.println("mean (min - max) test accuracy over the seeds");
    accuracies.forEach((model, a) -> System.out.println(String.format(Locale.ROOT, "%-22s  %.4f (%.4f - %.4f)", model,
        a.stream().mapToDouble(Double::doubleValue).average().orElseThrow(),
        a.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
        a.stream().mapToDouble(Double::doubleValue).max().orElseThrow())));
  }

  private static String format(Double sparsity) {
    return sparsity == null ? "-" : String.format(Locale.ROOT, "%.4f", sparsity);
  }
}
