package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.recurrent.Bidirectional;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused LSTM (one BlockLSTMV2 op) and the looped GRU (one StatelessWhile with a gradient written in
 * Java), both used without a mask, against the unrolled cells (used with a mask): an Embedding with
 * mask_zero over ids that are never 0 masks nothing, so both compute the same function; forward outputs and the weights after pruned training steps (the gradient of the fused
 * op, registered from Java) must agree within float32 rounding. (That unmasked LSTMs take the fused
 * path is what {@code RecurrentLayersTest.lstmFollowsKerasGateOrderAndEquations} checks against hand
 * computation: it failed while the fused op was fed the wrong gate order.)
 */
class FusedRecurrentTest {
  private static final int STEPS = 12;

  @Test
  void fusedEqualsUnrolledForwardAndTraining() {
    List<List<Layer>> variants = List.of(
        List.of(LSTM.of(5)),
        List.of(LSTM.of(5).returnSequences(true).goBackwards(true), GlobalAveragePooling1D.of()),
        List.of(Bidirectional.of(LSTM.of(4))),
        List.of(GRU.of(5)),
        List.of(GRU.of(5).returnSequences(true).goBackwards(true), GlobalAveragePooling1D.of()),
        List.of(GRU.of(3).returnSequences(true), GRU.of(4)),
        List.of(Bidirectional.of(GRU.of(4))));
    Random r = new Random(7);
    int n = 24;
    float[] ids = new float[n * STEPS];
    float[] y = new float[n * 2];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1 + r.nextInt(19); // never 0: the mask masks nothing
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) r.nextGaussian();
    }
    HostArray x = HostArray.of(ids, n, STEPS);
    HostArray labels = HostArray.of(y, n, 2);
    // Pruning every 2 steps from step 0: masks change during the run, and the masked kernel reads feed
    // the fused op.
    PruningSpec pruning = PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2));
    Compile compile = Compile.of(Optimizer.sgd(0.05f), Loss.meanSquaredError()).seed(3);
    for (List<Layer> layers : variants) {
      try (Model fused = model(layers, false).prunedWith(pruning).compile(compile);
          Model unrolled = model(layers, true).prunedWith(pruning).compile(compile)) {
        unrolled.setWeights(fused.weights());
        assertClose(fused.predict(x).floats(), unrolled.predict(x).floats(), layers + " forward");
        Fit fit = Fit.ofEpochs(2).batchSize(8).shuffle(false).progress(ProgressSink.silent());
        fused.fit(x, labels, fit);
        unrolled.fit(x, labels, fit);
        Map<String, HostArray> a = fused.weights();
        Map<String, HostArray> b = unrolled.weights();
        assertThat(a.keySet()).isEqualTo(b.keySet());
        for (String name : a.keySet()) {
          assertClose(a.get(name).floats(), b.get(name).floats(), layers + " " + name + " after training");
        }
        assertThat(fused.sparsity()).isEqualTo(unrolled.sparsity());
      }
    }
  }

  private static ModelSpec model(List<Layer> layers, boolean masked) {
    List<Layer> all = new ArrayList<>();
    all.add(Embedding.of(20, 3).maskZero(masked));
    all.addAll(layers);
    all.add(Dense.of(2));
    return Sequential.of(Input.of(STEPS), all);
  }

  private static void assertClose(float[] actual, float[] expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).as(what + " [" + i + "]").isCloseTo(expected[i], within(1e-5f));
    }
  }
}
