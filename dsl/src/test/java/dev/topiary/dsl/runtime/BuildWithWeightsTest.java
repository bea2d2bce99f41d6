package dev.topiary.dsl.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.TinyProblem;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link RuntimeModel#graph(ModelSpec, Compile, Map)}, how a model read from a file is built: its
 * weights are loaded in the same first session run that runs the initializers (optimizer slots,
 * masks, the step), without random initial values. The state must be exactly what building and then
 * {@code setWeights} gives.
 */
class BuildWithWeightsTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(7);

  /** A pruned Dense (masks, thresholds, counters), batch-norm statistics and an unpruned Dense. */
  private static ModelSpec spec() {
    return Sequential.of(Input.of(6), Dense.of(8).activation(Activation.RELU), BatchNormalization.of(),
        Dense.of(3).prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2))));
  }

  /** Every weight of {@code spec}, values chosen here (not the initializers'): 0.01 * (index + 1) - 0.2 by weight. */
  private static Map<String, HostArray> weights(ModelSpec spec) {
    Map<String, HostArray> out = new LinkedHashMap<>();
    int k = 0;
    for (var layer : spec.layers()) {
      for (var w : spec.weights(layer)) {
        float[] v = new float[(int) w.shape().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = 0.01f * (i + 1) - 0.2f + k;
        }
        // Variances must stay positive.
        if (w.name().contains("variance")) {
          for (int i = 0; i < v.length; i++) {
            v[i] = 0.5f + i;
          }
        }
        out.put(spec.variableName(layer, w.name()), HostArray.ofFloats(v, w.shape().asArray()));
        k++;
      }
    }
    return out;
  }

  @Test
  void holdsTheGivenWeightsExactlyAndTheSameStateAsBuildThenSetWeights() {
    ModelSpec spec = spec();
    Map<String, HostArray> given = weights(spec);
    try (Model built = RuntimeModel.graph(spec, COMPILE, given); Model set = spec.compile(COMPILE)) {
      set.setWeights(given);
      assertThat(built.weights()).isEqualTo(given);
      // Every variable: weights, Adam's slots (zeros), learning rate, masks (ones), thresholds, counters, step.
      Map<String, HostArray> expected = set.snapshot().variables();
      Map<String, HostArray> actual = built.snapshot().variables();
      assertThat(actual.keySet()).isEqualTo(expected.keySet());
      expected.forEach((name, value) -> assertThat(actual.get(name)).as(name).isEqualTo(value));
      assertThat(actual.get(mask(actual)).floats()).containsOnly(1f);
      assertThat(actual.keySet().stream().filter(n -> n.endsWith("_adam_m") || n.endsWith("_adam_v"))).hasSize(12)
          .allSatisfy(n -> assertThat(actual.get(n).floats()).as(n).containsOnly(0f));
      assertThat(built.step()).isZero();

      // And trains as the other: the first step prunes, the same masks, weights within float rounding.
      HostArray[] data = TinyProblem.data(32);
      Fit fit = Fit.ofEpochs(1).batchSize(8).shuffle(false).progress(ProgressSink.silent());
      built.fit(data[0], data[1], fit);
      set.fit(data[0], data[1], fit);
      Map<String, HostArray> a = built.snapshot().variables();
      Map<String, HostArray> b = set.snapshot().variables();
      assertThat(a.get(mask(a))).isEqualTo(b.get(mask(b)));
      assertThat(a.get(mask(a)).floats()).contains(0f);
      b.forEach((name, value) -> {
        if (value.dtype() == HostArray.DType.FLOAT32) {
          float[] x = a.get(name).floats();
          float[] y = value.floats();
          for (int i = 0; i < y.length; i++) {
            assertThat(x[i]).as("%s[%d]", name, i).isCloseTo(y[i], org.assertj.core.data.Offset.offset(1e-6f));
          }
        } else {
          assertThat(a.get(name)).as(name).isEqualTo(value);
        }
      });
    }
  }

  /**
   * The step a model answers without a session run after its build must be the step variable's, and
   * anything that may move the variable (training, a restore) must make it ask the variable again; a
   * training-loss pass must not move it. The expected values are the fits' batch counts and
   * the step variable as a snapshot reads it.
   */
  @Test
  void answersTheStepOfTheVariableAfterBuildTrainingAndRestore() {
    ModelSpec spec = spec();
    HostArray[] data = TinyProblem.data(32);
    try (Model trained = RuntimeModel.graph(spec, COMPILE, weights(spec));
        Model restored = RuntimeModel.graph(spec, COMPILE, weights(spec));
        RuntimeModel probed = (RuntimeModel) RuntimeModel.graph(spec, COMPILE, weights(spec))) {
      assertThat(trained.step()).isZero();
      assertThat(stepVariable(trained)).isZero();
      trained.fit(data[0], data[1], Fit.ofEpochs(1).batchSize(8).shuffle(false).progress(ProgressSink.silent()));
      assertThat(trained.step()).isEqualTo(4);

      restored.restore(trained.snapshot());
      assertThat(restored.step()).isEqualTo(4);

      // The training pass reads the pruned kernel through the pruning update (step, masks, weights): a
      // loss without training must leave all of it as it was, the step the host answers included.
      var untouched = probed.snapshot().variables();
      float first = probed.trainingLoss(java.util.List.of(data[0]), java.util.List.of(data[1]));
      assertThat(probed.snapshot().variables()).isEqualTo(untouched);
      assertThat(probed.step()).isZero();
      assertThat(probed.trainingLoss(java.util.List.of(data[0]), java.util.List.of(data[1]))).isEqualTo(first);
    }
  }

  private static long stepVariable(Model model) {
    return model.snapshot().variables().get(dev.topiary.ops.PruningState.STEP).longs()[0];
  }

  /** The name of the one mask variable (the pruned Dense's kernel). */
  private static String mask(Map<String, HostArray> variables) {
    var masks = variables.keySet().stream().filter(n -> n.endsWith("_prune_mask")).toList();
    assertThat(masks).hasSize(1);
    return masks.get(0);
  }

  @Test
  void refusesBadWeightsAsSetWeightsDoesBeforeBuildingAnything() {
    ModelSpec spec = spec();
    Map<String, HostArray> missing = weights(spec);
    missing.remove("dense_1_bias");
    assertThatThrownBy(() -> RuntimeModel.graph(spec, COMPILE, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight 'dense_1_bias' is missing; every weight must be given");

    Map<String, HostArray> nan = weights(spec);
    float[] v = nan.get("dense_kernel").floats();
    v[4] = Float.NaN;
    nan.put("dense_kernel", HostArray.ofFloats(v, 6, 8));
    assertThatThrownBy(() -> RuntimeModel.graph(spec, COMPILE, nan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight 'dense_kernel' holds NaN at flat index 4; weights must be finite");

    Map<String, HostArray> misshapen = weights(spec);
    misshapen.put("dense_bias", HostArray.ofFloats(new float[7], 7));
    assertThatThrownBy(() -> RuntimeModel.graph(spec, COMPILE, misshapen))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("weight 'dense_bias' must be float of shape [8]");
  }
}
