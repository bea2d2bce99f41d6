package dev.topiary.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PruningReportTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(3);

  private static HostArray[] data(int n) {
    Random r = new Random(2);
    float[] x = new float[n * 6];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
      for (int j = 0; j < 6; j++) {
        x[i * 6 + j] = (float) r.nextGaussian() + (j % 3 == y[i] ? 2f : 0f);
      }
    }
    return new HostArray[] {HostArray.of(x, n, 6), HostArray.ofLabels(y)};
  }

  private static ModelSpec spec() {
    return Sequential.of(Input.of(6), Dense.of(16, Activation.RELU), Dense.of(3))
        .prunedWith(PruningSpec.of(PolynomialDecay.of(0.2, 0.75, 0, 20, 3, 5)));
  }

  @Test
  void aTrainedModelsReportHasItsScheduleSparsityHistogramsAndSizes(@TempDir Path dir) throws Exception {
    HostArray[] d = data(256);
    try (Model dense = spec().withoutPruning().compile(COMPILE); Model model = spec().compile(COMPILE)) {
      Map<String, HostArray> before = dense.weights();
      model.setWeights(before);
      model.fit(d[0], d[1], Fit.ofEpochs(3).batchSize(32).progress(ProgressSink.silent()));
      PruningReport report = PruningReport.of(model, before, "tiny");

      assertThat(report.schedules()).hasSize(1); // one whole-model schedule
      assertThat(report.schedules().get(0).lastStep()).isEqualTo(Math.max(model.step(), 25));
      assertThat(report.results().get(0).sparsity()).isEqualTo(model.sparsity());
      assertThat(report.histograms()).extracting(PruningReport.Histogram::label)
          .containsExactly("tiny: dense_kernel", "tiny: dense_1_kernel");
      // The threshold is the smallest magnitude kept at the last mask update (step 20); the kept weights
      // moved by the 3 Adam steps since (at most about 3 * lr = 0.003 each).
      float[] kernel = model.weights().get("dense_kernel").floats();
      float smallest = Float.POSITIVE_INFINITY;
      for (float v : kernel) {
        if (v != 0f) {
          smallest = Math.min(smallest, Math.abs(v));
        }
      }
      assertThat(report.histograms().get(0).threshold()).isCloseTo(smallest, org.assertj.core.data.Offset.offset(0.004f));
      assertThat(report.histograms().get(0).before()).containsExactly(before.get("dense_kernel").floats());
      assertThat(report.sizes().get(0).sparseInt8GzipBytes()).isLessThan(report.sizes().get(0).denseGzipBytes());

      List<Path> files = report.write(dir);
      assertThat(files.get(0)).isEqualTo(dir.resolve("index.html"));
      assertThat(files).extracting(p -> p.getFileName().toString()).contains("schedule.png", "histogram_0.png",
          "histogram_1.png", "sparsity_0.750.png");
      for (Path png : files.subList(1, files.size())) {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).as(png.toString()).isEqualTo(Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
      }
      String html = Files.readString(dir.resolve("index.html"));
      assertThat(html).contains("Pruning report: tiny", "dense_1_kernel", "Sizes (gzip)")
          .doesNotContain("src=\"schedule.png\"");
      // Self-contained: every chart is embedded.
      assertThat(html.split("data:image/png;base64,", -1)).hasSize(files.size());
    }
  }

  @Test
  void aSavedModelsReportMatchesTheModelsOwn(@TempDir Path dir) throws Exception {
    HostArray[] d = data(128);
    try (Model model = spec().compile(COMPILE)) {
      model.fit(d[0], d[1], Fit.ofEpochs(2).batchSize(32).progress(ProgressSink.silent()));
      ModelFiles.save(model, dir.resolve("saved"));
      PruningReport own = PruningReport.of(model, null, "saved");
      PruningReport loaded = PruningReport.ofSavedModel(dir.resolve("saved"));
      assertThat(loaded.results()).isEqualTo(own.results());
      assertThat(loaded.sizes()).isEqualTo(own.sizes());
      assertThat(loaded.histograms().get(1).threshold()).isEqualTo(own.histograms().get(1).threshold());
      assertThat(loaded.write(dir.resolve("report"))).hasSize(1 + 1 + 1 + 2); // page, schedule, sparsity, 2 histograms
    }
  }

  @Test
  void anUnprunedModelHasNothingToReport() {
    try (Model model = spec().withoutPruning().compile(COMPILE)) {
      assertThatThrownBy(() -> PruningReport.of(model)).hasMessageContaining("no pruned weights");
    }
  }

  @Test
  void experimentRowsGiveTheAccuracyChart(@TempDir Path dir) throws Exception {
    PruningReport report = PruningReport.titled("rows <&>")
        .withResult(new PruningReport.Result("dense", "dense", 0, 0.91, 0.90, 0.92, Map.of()))
        .withResult(new PruningReport.Result("a 0.8", "a", 0.8, 0.89, 0.88, 0.90, Map.of("k", 0.8)))
        .withResult(new PruningReport.Result("b 0.8", "b", 0.8, 0.90, 0.90, 0.90, Map.of("k", 0.7)));
    List<Path> files = report.write(dir);
    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("index.html", "accuracy.png", "sparsity_0.800.png");
    assertThat(Files.readString(files.get(0))).contains("rows &lt;&amp;&gt;", "0.8900 (0.8800 - 0.9000)");
  }
}
