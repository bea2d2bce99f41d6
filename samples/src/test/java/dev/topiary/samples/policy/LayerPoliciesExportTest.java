package dev.topiary.samples.policy;

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

/** The layer-policy sample's deeper CNN exports dense and pruned. */
class LayerPoliciesExportTest {
  @Test
  void exports(@TempDir Path temp) throws Exception {
    Path root = ExportFixtures.keepDir() != null ? ExportFixtures.keepDir() : temp;
    HostArray x = ExportFixtures.inputs(32, 1, 0, 28, 28);
    HostArray y = ExportFixtures.labels(32, 2, 10);
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(3);
    ExportFixtures.export(root, "policy_dense", LayerPolicies.model(), compile, x, y);
    ExportFixtures.export(root, "policy_pruned_0.8", LayerPolicies.model().prunedWith(
        PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))), compile, x, y);
  }
}
