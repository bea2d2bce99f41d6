package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.samples.custom.CustomLayerPruning;
import dev.topiary.samples.eager.EagerInspection;
import dev.topiary.samples.policy.LayerPolicies;
import dev.topiary.samples.structured.BlockSparsity;
import dev.topiary.samples.structured.TwoFourSparsity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every sample's command runs and writes its results as JSON (at the 0.8 target, quietly). */
class SamplesTest {
  @TempDir Path dir;

  private String run(ThrowingMain main, String... extra) throws Exception {
    Path json = dir.resolve("out.json");
    String[] args = new String[extra.length + 3];
    args[0] = "--quiet";
    args[1] = "--json";
    args[2] = json.toString();
    System.arraycopy(extra, 0, args, 3, extra.length);
    main.run(args);
    return Files.readString(json);
  }

  interface ThrowingMain {
    void run(String[] args) throws Exception;
  }

  /** The image-folder sample on a small folder written from arrays: 3 classes of 12x12 RGB images. */
  @Test
  void imageFolder() throws Exception {
    Path folder = dir.resolve("images");
    float[] px = new float[60 * 12 * 12 * 3];
    int[] labels = new int[60];
    for (int i = 0; i < 60; i++) {
      labels[i] = i % 3;
      for (int j = 0; j < 12 * 12 * 3; j++) {
        px[i * 432 + j] = (j % 3 == labels[i] ? 200 : 20) + (i * 7 + j) % 40; // the class is the bright channel
      }
    }
    dev.topiary.dsl.data.io.ImageFolderDataset.write(folder, dev.topiary.dsl.data.HostArray.of(px, 60, 12, 12, 3), labels,
        java.util.List.of("red", "green", "blue"));
    String json = run(dev.topiary.samples.images.ImageFolderTraining::main, "--folder", folder.toString(), "--size", "12",
        "--rgb", "--epochs", "1");
    assertThat(json).contains("\"model\": \"dense\", \"validation_accuracy\": ", "\"model\": \"pruned 0.5\", \"sparsity\": [0.5, 0.5, 0.5]");
  }

  /** The Fashion-MNIST conversion on 20 embedded MNIST images: both outputs read back with the right labels. */
  @Test
  void imagesConversion() throws Exception {
    var test = dev.topiary.samples.data.Idx.embedded("t10k");
    var few = new dev.topiary.samples.data.Idx.Split(test.images().slice(0, 20), test.labels().slice(0, 20));
    var classes = java.util.stream.IntStream.range(0, 10).mapToObj(Integer::toString).toList();
    dev.topiary.samples.images.FashionToImages.convert(few, "test", 32, 2, classes, dir);
    var decoding = dev.topiary.dsl.data.io.ImageDecoding.of(32, 32);
    var folder = dev.topiary.dsl.data.io.ImageFolderDataset.of(dir.resolve("png/test")).image(decoding).examples(0);
    var records = dev.topiary.dsl.data.io.TFRecordDataset.of(dir.resolve("tfrecords/test-00000-of-00002"),
        dir.resolve("tfrecords/test-00001-of-00002")).imageInput("image/encoded", decoding).intLabel("image/class/label")
        .examples(0);
    assertThat(folder).hasSize(20);
    assertThat(records).hasSize(20);
    int[] labels = few.labels().ints();
    for (int i = 0; i < 20; i++) {
      assertThat(records.get(i).label().intValue()).isEqualTo(labels[i]); // records keep the IDX order
    }
    // The folder lists class by class: the labels are the sorted originals.
    assertThat(folder.stream().map(e -> e.label().intValue()))
        .containsExactlyElementsOf(java.util.Arrays.stream(labels).sorted().boxed().toList());
    // The upscaled image of IDX image 0: gray, so R = G = B, and its JPEG within a few levels of its PNG.
    var png = dev.topiary.dsl.data.io.ImageFolderDataset.of(dir.resolve("png/test")).image(decoding).files().stream()
        .filter(p -> p.getFileName().toString().equals("00.png")).findFirst().orElseThrow();
    float[] fromPng = decoding.decode(Files.readAllBytes(png));
    float[] fromJpeg = records.get(0).input().floats();
    double diff = 0;
    for (int i = 0; i < fromPng.length; i++) {
      diff += Math.abs(fromPng[i] - fromJpeg[i]) / fromPng.length;
      if (i % 3 == 0) {
        assertThat(fromPng[i]).isEqualTo(fromPng[i + 1]).isEqualTo(fromPng[i + 2]);
      }
    }
    assertThat(diff).isLessThan(3.0);
  }

  @Test
  void twoFour() throws Exception {
    String json = run(TwoFourSparsity::main);
    assertThat(json).contains("\"model\": \"2:4\"", "{\"dense_kernel\": 0.5}", "\"model\": \"3:4\"", "\"dense_kernel\": 0.75}");
  }

  @Test
  void blocks() throws Exception {
    String json = run(BlockSparsity::main, "--targets", "0.8");
    assertThat(json).contains("\"model\": \"1x4 avg 0.8\"", "\"model\": \"1x4 max 0.8\"", "\"model\": \"unstructured 0.8\"");
  }

  @Test
  void policies() throws Exception {
    String json = run(LayerPolicies::main, "--targets", "0.8");
    assertThat(json).contains("\"model\": \"only Dense 0.8\", \"method\": \"per-layer\", \"target_sparsity\": 0.8, \"test_accuracy\"",
        "\"sparsity\": {\"dense_kernel\": 0.8, \"dense_1_kernel\": 0.8}",
        "\"sparsity\": {\"conv2d_1_kernel\": ");
  }

  @Test
  void customLayer() throws Exception {
    String json = run(CustomLayerPruning::main, "--targets", "0.8");
    assertThat(json).contains("\"scaled_dense_kernel\": 0.8", "\"scaled_dense_1_kernel\": 0.8");
  }

  /** The main job: per-layer, global and sensitivity rows at one total, and the visual report. */
  @Test
  void mainJobRowsAndReport() throws Exception {
    Path report = dir.resolve("report");
    String json = run(dev.topiary.samples.mnist.MnistPruning::main, "--targets", "0.95", "--report", report.toString(),
        "--methods", "per-layer,global,sensitivity");
    assertThat(json).contains("\"model\": \"pruned 0.95\", \"method\": \"per-layer\"",
        "\"model\": \"global 0.95\", \"method\": \"global\"",
        "\"model\": \"sensitivity 0.95\", \"method\": \"sensitivity\"", "\"seeds\": [42]");
    assertThat(report.resolve("index.html")).exists();
    assertThat(report.resolve("accuracy.png")).exists();
    assertThat(report.resolve("schedule.png")).exists();
    assertThat(report.resolve("sparsity_0.950.png")).exists();
  }

  /** Without --methods the main job runs per-layer and global only, with the TFLite table. */
  @Test
  void mainJobDefaultsToPerLayerAndGlobal() throws Exception {
    String json = run(dev.topiary.samples.mnist.MnistPruning::main, "--targets", "0.95", "--epochs", "1,1");
    assertThat(json).contains("\"model\": \"pruned 0.95\", \"method\": \"per-layer\"",
        "\"model\": \"global 0.95\", \"method\": \"global\"", "\"tflite\": [",
        "{\"model\": \"global 0.95\", \"flavour\": \"sparse_int8\"")
        .doesNotContain("\"method\": \"sensitivity\"", "\"method\": \"global+lr\"");
  }

  @Test
  void fashionMobileNetShortly() throws Exception {
    String json = run(dev.topiary.samples.fashion.FashionMobileNet::main, "--targets", "0.9", "--epochs", "1,1");
    assertThat(json).contains("\"model\": \"pruned 0.9\"", "\"model\": \"global 0.9\", \"method\": \"global\"",
        "\"model\": \"2:4\", \"method\": \"2:4\"", "\"separable_conv2d_pointwise_kernel\": 0.9");
  }

  @Test
  void eagerInspection() throws Exception {
    String json = run(EagerInspection::main);
    assertThat(json).contains("{\"weight\": \"dense_kernel\", \"sparsity\": 0.8");
    // Eager and graph outputs agree within float rounding, not bit for bit: with TF's oneDNN kernels (Topiary's
    // default on x86-64) the graph runs fused Conv2D/BiasAdd/Relu kernels that eager op-by-op execution
    // does not (measured 1.9e-6 on this model's logits; 0.0 with oneDNN off).
    assertThat(number(json, "max_abs_diff")).isLessThanOrEqualTo(1e-5);
    // An example whose top two logits are within that rounding may flip: at most one of the 2,000 either way.
    assertThat(number(json, "eager_accuracy")).isCloseTo(number(json, "graph_accuracy"), org.assertj.core.data.Offset.offset(0.0006));
  }

  private static double number(String json, String key) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\": ([-0-9.Ee]+)").matcher(json);
    assertThat(m.find()).as("%s in %s", key, json).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
