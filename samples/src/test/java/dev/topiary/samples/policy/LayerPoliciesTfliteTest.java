package dev.topiary.samples.policy;

import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.TfliteFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layer-policy sample's deeper CNN as .tflite, dense and pruned, in every flavour. */
class LayerPoliciesTfliteTest {
  @Test
  void writes(@TempDir Path temp) throws Exception {
    Path root = TfliteFixtures.root(temp);
    TfliteFixtures.write(root, "sample_policy_dense", LayerPolicies.model());
    TfliteFixtures.write(root, "sample_policy_pruned_0.8",
        LayerPolicies.model().prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))));
  }
}
