package dev.topiary.samples.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.samples.reference.ReferenceTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FashionReference's models and data path at toy size: a 32x32 RGB image folder written here is read
 * back with its pixels and labels; MobileNetV2 0.35 and ResNet-8 have Keras' structure (parameter
 * and layer counts from {@code keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35,
 * weights=None, classes=10)} and the same ResNet written in Keras); both train a few steps from the
 * folder, and ResNet-8 prunes to its targets (16 images, 2 steps an epoch).
 */
class FashionReferenceTest {

  /** 40 images of 2 classes: class 1 brighter on the left half; pixels 0..255 as the folder stores them. */
  private static float[] images(int n, int[] labels) {
    Random r = new Random(7);
    float[] px = new float[n * 32 * 32 * 3];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          for (int c = 0; c < 3; c++) {
            int base = labels[i] == 1 && x < 16 ? 180 : 60;
            px[((i * 32 + y) * 32 + x) * 3 + c] = base + r.nextInt(40);
          }
        }
      }
    }
    return px;
  }

  @Test
  void readsTheFolderWithItsPixelsAndLabels(@TempDir Path dir) {
    int[] labels = new int[40];
    float[] px = images(40, labels);
    dev.topiary.dsl.data.io.ImageFolderDataset.write(dir, HostArray.of(px, 40, 32, 32, 3), labels,
        List.of("a_dark", "b_bright"));
    ReferenceTable.Data all = FashionReference.readFolder(dir, 32, 1000, 2);
    assertThat(all.inputs().get(0).shape()).containsExactly(40, 32, 32, 3);
    assertThat(all.classIds()).hasSize(40);
    assertThat(java.util.Arrays.stream(all.classIds()).sum()).isEqualTo(20);
    // Files are read class by class (sorted names, then sorted files): every image is one written here, scaled
    // to [0, 1], PNG exact, under its own label.
    float[] read = all.inputs().get(0).floats();
    int image = 32 * 32 * 3;
    for (int i = 0; i < 40; i++) {
      int written = -1;
      for (int j = 0; j < 40 && written < 0; j++) {
        boolean same = true;
        for (int k = 0; k < image && same; k++) {
          same = Math.abs(read[i * image + k] - px[j * image + k] / 255f) < 1e-6f;
        }
        written = same ? j : -1;
      }
      assertThat(written).as("image %d read back", i).isNotNegative();
      assertThat(all.classIds()[i]).as("label of image %d", i).isEqualTo(labels[written]);
    }
    // A seeded subset: 10 of the 40, the same on every read.
    ReferenceTable.Data some = FashionReference.readFolder(dir, 32, 10, 1);
    assertThat(some.classIds()).hasSize(10);
    assertThat(FashionReference.readFolder(dir, 32, 10, 2).inputs().get(0).floats())
        .containsExactly(some.inputs().get(0).floats());
  }

  @Test
  void modelsHaveKerasStructure() {
    ModelSpec mobileNet = FashionReference.mobileNetV2(0.35, 32, 10, 2);
    assertThat(mobileNet.summary().totalParams()).isEqualTo(423_018);
    assertThat(counts(mobileNet)).containsEntry("Add", 10L).containsEntry("DepthwiseConv2D", 17L)
        .containsEntry("Conv2D", 35L).containsEntry("BatchNormalization", 52L);
    ModelSpec resNet = FashionReference.resNet(1, 32, 10);
    assertThat(resNet.summary().totalParams()).isEqualTo(78_714);
    assertThat(counts(resNet)).containsEntry("Add", 3L).containsEntry("Conv2D", 9L);
  }

  private static Map<String, Long> counts(ModelSpec spec) {
    return spec.layers().stream().collect(Collectors.groupingBy(Layer::typeName, Collectors.counting()));
  }

  @Test
  void bothModelsTrainFromTheFolderAndPrune(@TempDir Path dir) {
    int[] labels = new int[40];
    dev.topiary.dsl.data.io.ImageFolderDataset.write(dir, HostArray.of(images(40, labels), 40, 32, 32, 3), labels,
        List.of("a_dark", "b_bright"));
    ReferenceTable.Data data = FashionReference.readFolder(dir, 32, 16, 2);
    Map<String, ReferenceTable.Variant> byName = FashionReference.variants().stream()
        .collect(Collectors.toMap(ReferenceTable.Variant::name, Function.identity()));
    assertThat(byName).containsOnlyKeys("50 %", "2:4", "75 %", "75 % global", "87.5 %", "87.5 % global");
    ReferenceTable.Budget budget = new ReferenceTable.Budget(1, 1, 8); // 2 steps an epoch
    // MobileNetV2 trains dense only (its graph is large: one compile keeps the test fast); its pruned
    // weights are read from the marked spec: every Conv2D and Dense kernel (35 + 1), no depthwise kernel.
    ModelSpec mobileNet = FashionReference.mobileNetV2(0.35, 32, 2, 2);
    List<ReferenceTable.Row> mobile = ReferenceTable.run(mobileNet, FashionReference.compile(0),
        FashionReference.training(data, true, 0), 16, data, budget, List.of(), ReferenceTable.Measure.ACCURACY,
        row -> { });
    assertThat(mobile).extracting(ReferenceTable.Row::name).containsExactly("dense");
    assertThat(byName.get("50 %").prune().apply(mobileNet, 2L).prunedWeights()).hasSize(36)
        .allSatisfy((name, spec) -> assertThat(name).endsWith("_kernel").doesNotContain("depthwise"));
    List<ReferenceTable.Row> res = ReferenceTable.run(FashionReference.resNet(1, 32, 2), FashionReference.compile(0),
        FashionReference.training(data, false, 0), 16, data, budget,
        List.of(byName.get("50 %"), byName.get("2:4"), byName.get("87.5 % global")), ReferenceTable.Measure.ACCURACY,
        row -> { });
    assertThat(res).extracting(ReferenceTable.Row::name).containsExactly("dense", "50 %", "2:4", "87.5 % global");
    for (ReferenceTable.Row r : List.of(mobile.get(0), res.get(0), res.get(1), res.get(2), res.get(3))) {
      assertThat(r.accuracy()).as(r.name()).isBetween(0.0, 1.0);
    }
    // Per layer: all 9 convolutions and the classifier at 50 %, to one weight.
    ReferenceTable.Row half = res.get(1);
    assertThat(half.sparsity()).hasSize(10);
    half.sparsity().forEach((name, s) ->
        assertThat(s * half.sizes().get(name)).as(name).isCloseTo(0.5 * half.sizes().get(name), within(1.0)));
    // 2:4 on all 9 convolutions and the classifier; the stem's runs of 3 input channels lose 1 each.
    ReferenceTable.Row twoFour = res.get(2);
    assertThat(twoFour.sparsity()).hasSize(10);
    twoFour.sparsity().forEach((name, s) ->
        assertThat(s).as(name).isCloseTo(name.equals("conv2d_kernel") ? 1.0 / 3 : 0.5, within(1e-9)));
    // Global: the group as a whole at 87.5 % (each layer at its own sparsity).
    ReferenceTable.Row global = res.get(3);
    assertThat(global.sparsity()).hasSize(10);
    double kept = 0;
    double total = 0;
    for (Map.Entry<String, Double> e : global.sparsity().entrySet()) {
      kept += (1 - e.getValue()) * global.sizes().get(e.getKey());
      total += global.sizes().get(e.getKey());
    }
    assertThat(kept).isCloseTo(total * 0.125, within(1.5));
  }
}
