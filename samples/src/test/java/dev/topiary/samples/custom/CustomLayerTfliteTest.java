package dev.topiary.samples.custom;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.TfliteFixtures;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFile;
import dev.topiary.tflite.TfliteFlavour;
import dev.topiary.tflite.TfliteLowering;
import dev.topiary.dsl.config.ConfigRegistry;
import dev.topiary.dsl.layers.core.Dense;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user-written ScaledDense layer, lowered by the sample's own registered lowering. */
class CustomLayerTfliteTest {
  // TFLite builtin codes from schema.fbs, written out here so the test does not read them from the writer.
  private static final int FULLY_CONNECTED = 9;
  private static final int MUL = 18;
  private static final int RELU = 19;
  private static final int RESHAPE = 22;

  @Test
  void writesWithTheRegisteredLoweringInEveryFlavour(@TempDir Path temp) throws Exception {
    ScaledDense.register();
    Path root = TfliteFixtures.root(temp);
    // Parses back, the weights read from the file reproduce predict, in every flavour (see TfliteFixtures).
    TfliteFixtures.write(root, "sample_custom_dense", CustomLayerPruning.model());
    TfliteFixtures.write(root, "sample_custom_pruned_0.8",
        CustomLayerPruning.model().prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))));
  }

  @Test
  void opListAndWeightsAreTheLayers() {
    ScaledDense.register();
    try (Model m = CustomLayerPruning.model().compile(TfliteFixtures.COMPILE)) {
      TfliteFile f = TfliteFile.parse(TfliteExport.bytes(m, TfliteFlavour.FLOAT32), "custom");
      assertThat(f.operators()).extracting(TfliteFile.Operator::builtinCode)
          .containsExactly(RESHAPE, FULLY_CONNECTED, MUL, RELU, FULLY_CONNECTED, MUL);
      String first = m.spec().variableName(m.spec().layers().get(1), "kernel");
      float[] kernel = m.weights().get(first).floats(); // [784, 128]
      float[] stored = f.values(f.tensor(first).orElseThrow()); // [128, 784]
      assertThat(f.tensor(first).orElseThrow().shape()).containsExactly(128, 784);
      for (int i : new int[] {0, 1, 783}) {
        for (int o : new int[] {0, 5, 127}) {
          assertThat(stored[o * 784 + i]).isEqualTo(kernel[i * 128 + o]);
        }
      }
      String scale = m.spec().variableName(m.spec().layers().get(1), "scale");
      assertThat(f.values(f.tensor(scale).orElseThrow())).containsExactly(m.weights().get(scale).floats());
    }
  }

  @Test
  void aPartOnABuiltInTypeDoesNotReplaceTheWritersOwnLowering() {
    try {
      ConfigRegistry.registerLayer(Dense.TYPE.with(TfliteLowering.class, (layer, ctx) -> {
        throw new AssertionError("the writer lowers Dense itself");
      }));
      try (Model m = CustomLayerPruning.model().compile(TfliteFixtures.COMPILE)) {
        TfliteFile f = TfliteFile.parse(TfliteExport.bytes(m, TfliteFlavour.FLOAT32), "custom");
        assertThat(f.operators()).isNotEmpty();
      }
    } finally {
      ConfigRegistry.registerLayer(Dense.TYPE);
    }
  }
}
