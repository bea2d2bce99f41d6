package dev.topiary.samples.custom;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.ExportFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The custom-layer sample's MLP (ScaledDense) exports dense and pruned. */
class CustomLayerExportTest {
  @Test
  void exports(@TempDir Path temp) throws Exception {
    Path root = ExportFixtures.keepDir() != null ? ExportFixtures.keepDir() : temp;
    HostArray x = ExportFixtures.inputs(32, 1, 0, 28, 28);
    HostArray y = ExportFixtures.labels(32, 2, 10);
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(3);
    ExportFixtures.export(root, "custom_dense", CustomLayerPruning.model(), compile, x, y);
    ExportFixtures.export(root, "custom_pruned_0.8", CustomLayerPruning.model().prunedWith(
        PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))), compile, x, y);
  }
}
