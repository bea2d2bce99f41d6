package dev.topiary.samples.imdb;

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

/** The IMDB sample's Embedding + LSTM model (a smaller shape) exports dense and pruned. */
class ImdbExportTest {
  @Test
  void exports(@TempDir Path temp) throws Exception {
    Path root = ExportFixtures.keepDir() != null ? ExportFixtures.keepDir() : temp;
    ImdbPruning.Shape shape = new ImdbPruning.Shape(500, 20, 8, 8);
    HostArray x = ExportFixtures.inputs(32, 1, 502, 20);
    float[] labels = ExportFixtures.inputs(32, 2, 2, 1).floats();
    HostArray y = HostArray.of(labels, 32);
    Compile compile = Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)).seed(3);
    ExportFixtures.export(root, "imdb_dense", ImdbPruning.model(shape), compile, x, y);
    ExportFixtures.export(root, "imdb_pruned_0.8", ImdbPruning.model(shape).prunedWith(
        PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))), compile, x, y);
  }
}
