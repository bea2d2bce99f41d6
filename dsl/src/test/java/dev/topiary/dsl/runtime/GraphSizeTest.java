package dev.topiary.dsl.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;

/**
 * How a model graph grows with its layers. TF walks every op of the graph when a session first runs
 * (placing it) and again for each new combination of feeds and fetches, 20-35 us per op on a 2-core
 * machine: a 30k-op graph (InceptionResNetV2) spends seconds there. Ops that only repeat what another
 * op holds must not come once per weight.
 */
class GraphSizeTest {
  private static Map<String, Integer> opsByType(int denseLayers, Optimizer optimizer) {
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < denseLayers; i++) {
      layers.add(Dense.of(5));
    }
    ModelSpec spec = Sequential.of(Input.of(5), layers.toArray(Layer[]::new));
    Compile compile = Compile.of(optimizer, Loss.meanSquaredError()).seed(3);
    try (Model model = spec.compile(compile)) {
      GraphExecutor executor = (GraphExecutor) ((RuntimeModel) model).executor();
      Map<String, Integer> out = new TreeMap<>();
      executor.graph().operations().forEachRemaining((GraphOperation op) -> {
        String scope = op.name().startsWith("optimizer/") ? "optimizer " : op.name().startsWith("state/") ? "state " : "";
        out.merge(scope + op.type(), 1, Integer::sum);
      });
      return out;
    }
  }

  @Test
  void optimizerConstantsAndSlotZerosComeOncePerValueAndShapeNotPerWeight() {
    for (Optimizer optimizer : List.of(Optimizer.adam(), Optimizer.sgd(0.1f, 0.9f, true), Optimizer.rmsProp(0.01f))) {
      Map<String, Integer> two = opsByType(2, optimizer);
      Map<String, Integer> eight = opsByType(8, optimizer);
      // Six more Dense(5) on 5 features: every new kernel is [5, 5] and every new bias [5], shapes the
      // first layers have already made zeros for, and the hyperparameters are the same values.
      assertThat(eight.get("optimizer Const")).as(optimizer.toString()).isEqualTo(two.get("optimizer Const"));
      assertThat(eight.getOrDefault("optimizer Fill", 0)).as(optimizer.toString())
          .isEqualTo(two.getOrDefault("optimizer Fill", 0));
    }
  }

  @Test
  void aLayerWeightIsLoadedAndRestoredThroughOnePairOfOps() {
    Map<String, Integer> two = opsByType(2, Optimizer.adam());
    Map<String, Integer> eight = opsByType(8, Optimizer.adam());
    // Six layers, twelve weights, each with two Adam slots: one feed per variable (weight or slot).
    assertThat(eight.get("Placeholder") + eight.getOrDefault("state Placeholder", 0)
        - two.get("Placeholder") - two.getOrDefault("state Placeholder", 0)).isEqualTo(12 * 3);
    assertThat(eight.get("Assign") + eight.getOrDefault("state Assign", 0) + eight.getOrDefault("optimizer Assign", 0)
        - two.get("Assign") - two.getOrDefault("state Assign", 0) - two.getOrDefault("optimizer Assign", 0))
        .as("a load per weight, an initializer and a restore per slot").isEqualTo(12 + 12 * 2 * 2);
  }

  @Test
  void batchNormalizationOnNhwcReshapesNothing() {
    ModelSpec spec = Sequential.of(Input.of(8, 8, 3), Conv2D.of(4, 3), BatchNormalization.of(),
        GlobalAveragePooling2D.of(), Dense.of(2));
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.meanSquaredError()).seed(3))) {
      GraphExecutor executor = (GraphExecutor) ((RuntimeModel) model).executor();
      java.util.List<String> reshapes = new ArrayList<>();
      executor.graph().operations().forEachRemaining((GraphOperation op) -> {
        if (op.type().equals("Reshape") && op.name().contains("batch_normalization")) {
          reshapes.add(op.name());
        }
      });
      // FusedBatchNorm takes NHWC as it is: no fold into [N*H*W, 1, 1, C] and back, in either pass.
      assertThat(reshapes).isEmpty();
    }
  }
}
