package dev.topiary.dsl.pruning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.TinyProblem;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SensitivityTest {

  private static SensitivityReport.LayerCurve curve(String name, long size, double[][] sparsityDrop) {
    List<SensitivityReport.Point> points = new java.util.ArrayList<>();
    for (double[] p : sparsityDrop) {
      long pruned = size - MaskStrategy.keepCount(size, (float) p[0]);
      points.add(new SensitivityReport.Point(p[0], pruned, 0, p[1]));
    }
    return new SensitivityReport.LayerCurve(name, Map.of(name + "_kernel", size), points);
  }

  @Test
  void allocationPrunesTheInsensitiveLayerFirst() {
    // a: cheap up to 0.9, b: expensive from the start. Prune 1000 of 2000: hulls (by hand)
    // a: slopes 2e-5 (0..500), 2.5e-5 (500..900), 5.3e-3; b: 6e-4 (0..500), 1.5e-3, 1.2e-2.
    // Cheapest first: a's 500, a's 400, then 100 of b's first segment.
    SensitivityReport report = new SensitivityReport("loss", 0.3, List.of(
        curve("a", 1000, new double[][] {{0.5, 0.01}, {0.9, 0.02}, {0.99, 0.5}}),
        curve("b", 1000, new double[][] {{0.5, 0.3}, {0.9, 0.9}, {0.99, 2.0}})));
    SensitivityTargets t = report.targets(0.5);
    assertThat(t.kept()).containsExactly(Map.entry("a", 100L), Map.entry("b", 900L));
    assertThat(t.sparsity().get("a")).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(t.sparsity().get("b")).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
    // Predicted: a at 900 pruned is on its hull (0.02); b 100 of 500 along slope 6e-4 (0.06).
    assertThat(t.predictedDrop().get("a")).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(t.predictedDrop().get("b")).isCloseTo(0.06, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void aPointAboveTheHullIsSkippedAndImprovementsAreTakenFirst() {
    // c's 0.5 point (0.4) lies above the chord (0,0)-(900, 0.45): the hull goes straight to 900.
    SensitivityReport report = new SensitivityReport("loss", 0, List.of(
        curve("c", 1000, new double[][] {{0.5, 0.4}, {0.9, 0.45}}),
        curve("d", 1000, new double[][] {{0.5, -0.01}, {0.9, 1.0}})));
    assertThat(SensitivityReport.hull(report.layer("c"))).hasSize(2);
    // 400 to prune: d's first 500 improve the loss, they come first.
    SensitivityTargets t = report.targets(0.2);
    assertThat(t.kept()).containsExactly(Map.entry("c", 1000L), Map.entry("d", 600L));
    assertThat(t.sparsity().get("c")).isZero();
  }

  @Test
  void targetsReachTheRequestedTotalExactly() {
    Random r = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int layers = 1 + r.nextInt(4);
      List<SensitivityReport.LayerCurve> curves = new java.util.ArrayList<>();
      long total = 0;
      for (int j = 0; j < layers; j++) {
        long size = 1 + r.nextInt(30_000);
        total += size;
        double drop = 0;
        double[][] pts = new double[Sensitivity.DEFAULT_GRID.size()][];
        for (int i = 0; i < pts.length; i++) {
          drop += r.nextDouble() * (r.nextBoolean() ? 1 : -0.2);
          pts[i] = new double[] {Sensitivity.DEFAULT_GRID.get(i), drop};
        }
        curves.add(curve("l" + j, size, pts));
      }
      SensitivityReport report = new SensitivityReport("loss", 0, curves);
      double requested = Math.round(r.nextDouble() * 0.97 * 1000) / 1000.0;
      SensitivityTargets t = report.targets(requested);
      // Independent count: the per-tensor rule at each layer's target, against the rule over the total.
      long kept = 0;
      for (SensitivityReport.LayerCurve c : curves) {
        float s = t.sparsity().get(c.layer()).floatValue();
        kept += s == 0f ? c.size() : Math.max((long) Math.rint((float) c.size() * (1f - s)), 1);
      }
      assertThat(kept).as("trial %d, total %s", trial, requested)
          .isEqualTo(Math.max((long) Math.rint((float) total * (1f - (float) requested)), 1));
      assertThat(t.totalKept()).isEqualTo(kept);
    }
  }

  @Test
  void aTotalBeyondTheGridIsRefused() {
    SensitivityReport report = new SensitivityReport("loss", 0, List.of(
        curve("a", 100, new double[][] {{0.5, 0.1}})));
    assertThatThrownBy(() -> report.targets(0.8)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grid reaches at most 50");
  }

  /**
   * A model whose answer is known: out = useful(x) + noise(x), where the noise branch's weights are
   * 1e-4 (pruning them changes nothing) and the useful branch separates the classes. Half of all
   * kernel weights pruned: the noise branch goes down to its 1 kept weight, the useful one loses 1.
   */
  @Test
  void aTrainedModelIsAnalysedOneShotAndLeftUnchanged() {
    Node x = Input.of(6);
    Node out = Add.of().apply(Dense.of(3).named("useful").apply(x), Dense.of(3).named("noise").apply(x));
    ModelSpec spec = Functional.of(x, out);
    HostArray[] data = TinyProblem.data(300);
    Dataset validation = Dataset.of(data[0], data[1]);
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
        .metrics(Metric.ACCURACY).seed(1))) {
      Map<String, HostArray> w = new LinkedHashMap<>(model.weights());
      float[] useful = new float[18];
      float[] noise = new float[18];
      Random r = new Random(9);
      for (int j = 0; j < 6; j++) {
        for (int c = 0; c < 3; c++) {
          useful[j * 3 + c] = j % 3 == c ? 1f + 0.01f * j : -0.3f - 0.01f * (j * 3 + c);
          noise[j * 3 + c] = (float) (1e-4 * (1 + r.nextDouble()));
        }
      }
      w.put("useful_kernel", HostArray.of(useful, 6, 3));
      w.put("noise_kernel", HostArray.of(noise, 6, 3));
      model.setWeights(w);
      Snapshot before = model.snapshot();

      SensitivityReport report = Sensitivity.defaults().grid(0.5, 0.9, 0.99).run(model, validation);

      assertThat(model.snapshot()).isEqualTo(before);
      assertThat(report.baseline()).isEqualTo(model.evaluate(validation).get("loss"));
      // The measured point equals pruning by hand: the useful kernel's 9 smallest magnitudes zeroed.
      Map<String, HostArray> byHand = new LinkedHashMap<>(w);
      float[] half = useful.clone();
      Integer[] order = new Integer[18];
      for (int i = 0; i < 18; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, (p, q) -> Float.compare(Math.abs(useful[p]), Math.abs(useful[q])));
      for (int i = 0; i < 9; i++) {
        half[order[i]] = 0f;
      }
      byHand.put("useful_kernel", HostArray.of(half, 6, 3));
      model.setWeights(byHand);
      double handLoss = model.evaluate(validation).get("loss");
      model.restore(before);
      assertThat(report.layer("useful").points().get(0).value()).isEqualTo(handLoss);
      assertThat(report.layer("useful").points().get(0).pruned()).isEqualTo(9);
      assertThat(report.drop("useful", 0.5)).isPositive();
      assertThat(Math.abs(report.drop("noise", 0.99))).isLessThan(1e-3);

      SensitivityTargets t = report.targets(0.5);
      assertThat(t.kept()).containsExactly(Map.entry("useful", 17L), Map.entry("noise", 1L));

      ModelSpec pruned = t.applyTo(spec, s -> PolynomialDecay.of(0, s, 0, 10, 3, 1));
      assertThat(pruned.prunedLayers()).containsOnlyKeys("useful", "noise");
      assertThat(((PolynomialDecay) pruned.prunedLayers().get("noise").schedule()).finalSparsity())
          .isEqualTo(t.sparsity().get("noise"));
    }
  }

  @Test
  void anUnknownMetricNamesTheReportedOnes() {
    Node x = Input.of(6);
    ModelSpec spec = Functional.of(x, Dense.of(3).apply(x));
    HostArray[] data = TinyProblem.data(50);
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(1))) {
      assertThatThrownBy(() -> Sensitivity.defaults().metric("accuracy").run(model, Dataset.of(data[0], data[1])))
          .hasMessageContaining("reports no 'accuracy'").hasMessageContaining("loss");
    }
  }

  @Test
  void gridsAreChecked() {
    assertThatThrownBy(() -> Sensitivity.defaults().grid(0.5, 0.5)).hasMessageContaining("ascending");
    assertThatThrownBy(() -> Sensitivity.defaults().grid(1.0)).hasMessageContaining("outside (0, 1)");
    // A spec already marked keeps working: targets re-mark it.
    assertThat(PruningSpec.of(ConstantSparsity.of(0.5, 0))).isNotNull();
  }
}
