package dev.topiary.dsl;

import dev.topiary.dsl.runtime.RuntimeModel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Graph gradients against central differences: activations, losses and layer combinations here;
 * every layer type with weights on its own in the layer contract test (eager-graph-bridge's
 * LayerContractTest, which calls {@code check}). The graph gradient is read off one plain SGD step
 * with learning rate 1 (w_before - w_after); the numeric one perturbs single weights and
 * re-evaluates the training-pass loss.
 */
class GradientCheckTest {
  private static final float EPS = 1e-2f;

  private static void check(ModelSpec spec, HostArray x, HostArray y, Loss loss) {
    check(spec, List.of(x), y, loss);
  }

  /** Checks every trained weight of {@code spec} (used by the layer contract test too). */
  static void check(ModelSpec spec, List<HostArray> x, HostArray y, Loss loss) {
    Compile compile = Compile.of(Optimizer.sgd(1f), loss).seed(7);
    try (RuntimeModel model = (RuntimeModel) spec.compile(compile)) {
      Map<String, HostArray> before = model.weights();
      model.fit(x, List.of(y), Fit.ofEpochs(1).batchSize(x.get(0).examples()).shuffle(false).progress(ProgressSink.silent()));
      Map<String, HostArray> after = model.weights();
      model.setWeights(before);
      Random pick = new Random(3);
      for (String name : before.keySet()) {
        if (name.contains("moving_")) {
          continue; // not trained
        }
        float[] w0 = before.get(name).floats();
        float[] w1 = after.get(name).floats();
        for (int probe = 0; probe < Math.min(6, w0.length); probe++) {
          int i = pick.nextInt(w0.length);
          double analytic = w0[i] - w1[i];
          double numeric = (lossWith(model, before, name, i, EPS, x, y) - lossWith(model, before, name, i, -EPS, x, y))
              / (2 * EPS);
          assertThat(analytic).as("%s[%d]: graph %.5f vs numeric %.5f", name, i, analytic, numeric)
              .isCloseTo(numeric, org.assertj.core.data.Offset.offset(2e-3 + 0.05 * Math.abs(numeric)));
        }
      }
    }
  }

  private static double lossWith(RuntimeModel model, Map<String, HostArray> base, String name, int index, float delta,
      List<HostArray> x, HostArray y) {
    Map<String, HostArray> w = new HashMap<>(base);
    float[] v = base.get(name).floats();
    v[index] += delta;
    w.put(name, HostArray.of(v, base.get(name).shape()));
    model.setWeights(w);
    return model.trainingLoss(x, List.of(y));
  }

  @Test
  void denseWithEachActivation() {
    for (Activation a : new Activation[] {Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS, Activation.ELU,
        Activation.SWISH, Activation.GELU}) {
      check(Sequential.of(Input.of(5), Dense.of(4, a), Dense.of(3)),
          TestData.gaussian(1, 8, 5), TestData.labels(2, 8, 3), Loss.sparseCategoricalCrossentropy(true));
    }
  }

  @Test
  void convolutionPoolingAndPadding() {
    ModelSpec spec = Sequential.of(Input.of(6, 6, 2),
        ZeroPadding2D.of(1),
        Conv2D.of(3, 3).activation(Activation.TANH),
        AveragePooling2D.of(2),
        Conv2D.of(2, 2).padding(Padding.SAME),
        MaxPooling2D.of(2),
        Flatten.of(),
        Dense.of(3));
    check(spec, TestData.gaussian(3, 4, 6, 6, 2), TestData.labels(4, 4, 3), Loss.sparseCategoricalCrossentropy(true));
  }

  @Test
  void probabilityLosses() {
    ModelSpec softmax = Sequential.of(Input.of(4), Dense.of(3, Activation.SOFTMAX));
    check(softmax, TestData.gaussian(1, 6, 4), TestData.labels(2, 6, 3), Loss.sparseCategoricalCrossentropy(false));
    float[] oneHot = new float[6 * 3];
    for (int i = 0; i < 6; i++) {
      oneHot[i * 3 + i % 3] = 1;
    }
    check(softmax, TestData.gaussian(1, 6, 4), HostArray.of(oneHot, 6, 3), Loss.categoricalCrossentropy(false));
    check(Sequential.of(Input.of(4), Dense.of(3)), TestData.gaussian(1, 6, 4), HostArray.of(oneHot, 6, 3),
        Loss.categoricalCrossentropy(true));
    HostArray binary = HostArray.of(new float[] {0, 1, 1, 0, 1, 0}, 6);
    check(Sequential.of(Input.of(4), Dense.of(1, Activation.SIGMOID)), TestData.gaussian(1, 6, 4), binary,
        Loss.binaryCrossentropy(false));
    check(Sequential.of(Input.of(4), Dense.of(1)), TestData.gaussian(1, 6, 4), binary, Loss.binaryCrossentropy(true));
  }

  @Test
  void reshapeBetweenLayers() {
    check(Sequential.of(Input.of(12), Reshape.of(2, 2, 3), Conv2D.of(2, 1), Flatten.of(), Dense.of(2)),
        TestData.gaussian(8, 5, 12), TestData.gaussian(9, 5, 2), Loss.meanSquaredError());
  }
}
