package dev.topiary.samples.mnist;

import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.ExportFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MNIST CNN (also the structured-sparsity samples' model) exports dense and pruned. */
class MnistExportTest {
  @Test
  void exports(@TempDir Path temp) throws Exception {
    Path root = ExportFixtures.keepDir() != null ? ExportFixtures.keepDir() : temp;
    HostArray x = ExportFixtures.inputs(32, 1, 0, 28, 28);
    HostArray y = ExportFixtures.labels(32, 2, 10);
    ExportFixtures.export(root, "mnist_dense", MnistPruning.model(), MnistPruning.compile(3), x, y);
    ExportFixtures.export(root, "mnist_pruned_0.8", MnistPruning.model().prunedWith(
        PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))), MnistPruning.compile(3), x, y);
    ExportFixtures.export(root, "mnist_block_1x4", MnistPruning.model().prunedWith(
        PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1)).withBlock(1, 4, BlockPooling.AVG),
        PruningPolicy.only(Dense.class)), MnistPruning.compile(3), x, y);
    ExportFixtures.export(root, "mnist_2of4", MnistPruning.model().prunedWith(
        PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0, -1, 1))), MnistPruning.compile(3), x, y);
  }
}
