package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.keras.KerasModels;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.images.FashionReference;
import dev.topiary.samples.reference.KerasMobileNetV2;
import dev.topiary.samples.reference.KeywordSpotting;
import dev.topiary.samples.reference.ReferenceTable;
import dev.topiary.samples.reference.Translation;
import dev.topiary.tflite.TfliteFlavour;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference-table samples at reduced size: the dense model learns well above chance, the pruned
 * ones stay within a stated margin of it, every pruned weight ends at its target sparsity (to one
 * weight of rounding), and the exports either succeed or refuse naming the layer.
 */
class ReferenceSamplesTest {

  /** DS-CNN: 12 classes (chance 0.083); 50 % and 2:4 within 0.1 of dense. */
  @Test
  void keywordSpotting() {
    List<ReferenceTable.Row> rows = KeywordSpotting.run(32, 4, 1000, new ReferenceTable.Budget(4, 2, 64), false);
    assertThat(rows).extracting(ReferenceTable.Row::name).containsExactly("dense", "50 %", "2:4");
    double dense = rows.get(0).accuracy();
    assertThat(dense).isGreaterThan(0.6);
    for (ReferenceTable.Row r : rows.subList(1, 3)) {
      assertThat(r.accuracy()).as(r.name()).isGreaterThan(dense - 0.1);
      assertExactSparsity(r);
      assertThat(r.sparseModel()).as(r.name()).startsWith("runs, outputs within");
      // Every flavour is written, and the sparse encoding is smaller than float32 at 50 %.
      assertThat(Integer.parseInt(r.tflite().get(TfliteFlavour.SPARSE)))
          .isLessThan(Integer.parseInt(r.tflite().get(TfliteFlavour.FLOAT32)));
    }
    // 50 %: the stem, the four pointwise convolutions and the classifier; 2:4 leaves the stem (one input
    // channel) dense.
    assertThat(rows.get(1).sparsity()).containsKeys("conv2d_kernel", "conv2d_4_kernel", "dense_kernel").hasSize(6);
    assertThat(rows.get(2).sparsity()).doesNotContainKey("conv2d_kernel").containsKey("dense_kernel").hasSize(5);
  }

  /**
   * GNMT-style at the sample's own size (smaller models or shorter fine-tuning lose much more at 90 %:
   * 48 units and 3 epochs measured 0.46): 14 words (chance 0.07); 80 % within 0.05 of dense, 90 % within
   * 0.2.
   */
  @Test
  void translation() {
    List<ReferenceTable.Row> rows = Translation.run(64, 3000, new ReferenceTable.Budget(5, 4, 64), false);
    assertThat(rows).extracting(ReferenceTable.Row::name).containsExactly("dense", "80 %", "90 %");
    double dense = rows.get(0).accuracy();
    assertThat(dense).isGreaterThan(0.8);
    System.out.print(ReferenceTable.format("translation, reduced", rows));
    assertThat(rows.get(1).accuracy()).isGreaterThan(dense - 0.05);
    assertThat(rows.get(2).accuracy()).isGreaterThan(dense - 0.2);
    for (ReferenceTable.Row r : rows) {
      // Sequence-returning LSTMs and attention: written in every TFLite flavour (sizes in bytes), run by SparseModel.
      for (TfliteFlavour f : TfliteFlavour.values()) {
        assertThat(r.tflite().get(f)).as(r.name() + " " + f).matches("\\d+");
      }
      assertThat(r.sparseModel()).as(r.name()).startsWith("runs, outputs within");
    }
    // At 90 % the sparse flavour keeps only the non-zeros: smaller than float32.
    assertThat(Integer.parseInt(rows.get(2).tflite().get(TfliteFlavour.SPARSE)))
        .isLessThan(Integer.parseInt(rows.get(2).tflite().get(TfliteFlavour.FLOAT32)));
    for (ReferenceTable.Row r : rows.subList(1, 3)) {
      assertExactSparsity(r);
      assertThat(r.sparsity()).containsKeys("embedding_embeddings", "lstm_kernel", "lstm_recurrent_kernel",
          "lstm_1_kernel", "dense_kernel");
    }
  }

  /**
   * The Keras MobileNetV2 pipeline on a small slice of MNIST (the sample's learning is measured by
   * FashionReference; this checks the pipeline): the file read, pruned 50 % per layer and 2:4 from its
   * weights, every model written as .keras (which reads back with its zeros) and .tflite in every flavour,
   * and run by SparseModel.
   */
  @Test
  void kerasMobileNetV2(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mobilenetv2.keras");
    ModelSpec architecture = FashionReference.mobileNetV2(0.35, 32, 10, 2);
    try (Model m = architecture.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)))) {
      KerasModels.save(m, file);
    }
    List<KerasMobileNetV2.Result> results = KerasMobileNetV2.run(file,
        KerasMobileNetV2.asRgb32(Idx.embedded("train"), 256), KerasMobileNetV2.asRgb32(Idx.embedded("t10k"), 128),
        new ReferenceTable.Budget(1, 1, 64), dir.resolve("out"), false);
    List<ReferenceTable.Row> rows = results.stream().map(KerasMobileNetV2.Result::row).toList();
    assertThat(rows).extracting(ReferenceTable.Row::name).containsExactly("dense", "50 %", "2:4");
    assertExactSparsity(rows.get(1));
    // The 35 convolution kernels (stem, expansions, projections, head) and the classifier; depthwise kernels stay dense.
    assertThat(rows.get(1).sparsity()).hasSize(36).containsKey("dense_kernel");
    for (Map.Entry<String, Double> e : rows.get(2).sparsity().entrySet()) {
      // 2:4 along the input channels: half of every kernel, a third of the stem's three RGB channels.
      int n = rows.get(2).sizes().get(e.getKey());
      double expected = e.getKey().equals("conv2d_kernel") ? 1.0 / 3 : 0.5;
      assertThat(Math.abs(e.getValue() * n - expected * n)).as("2:4 " + e.getKey()).isLessThanOrEqualTo(1.0);
    }
    for (KerasMobileNetV2.Result r : results) {
      assertThat(r.fileBytes()).as(r.row().name()).hasSize(5);
      assertThat(r.row().sparseModel()).as(r.row().name()).startsWith("runs, outputs within");
    }
    assertThat(Integer.parseInt(rows.get(1).tflite().get(TfliteFlavour.SPARSE)))
        .isLessThan(Integer.parseInt(rows.get(1).tflite().get(TfliteFlavour.FLOAT32)));
    try (Model back = KerasModels.load(dir.resolve("out").resolve("pruned_50.keras"),
        Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)))) {
      float[] kernel = back.weights().get("dense_kernel").floats();
      assertThat(Math.abs(dev.topiary.ops.Measurements.sparsity(kernel) * kernel.length - 0.5 * kernel.length))
          .as("the written file keeps the zeros").isLessThanOrEqualTo(1.0);
    }
  }

  private static void assertExactSparsity(ReferenceTable.Row r) {
    assertThat(r.sparsity()).isNotEmpty();
    for (Map.Entry<String, Double> e : r.sparsity().entrySet()) {
      int n = r.sizes().get(e.getKey());
      assertThat(Math.abs(e.getValue() * n - r.target() * n)).as(r.name() + " " + e.getKey() + " of " + n)
          .isLessThanOrEqualTo(1.0);
    }
  }
}
