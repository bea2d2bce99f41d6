package dev.topiary.dsl.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** fit/evaluate/predict on datasets, sample and class weights, single-example prediction, guard rails. */
class FitFeaturesTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
      .metrics(Metric.ACCURACY).seed(3);
  private static final Fit QUIET = Fit.ofEpochs(2).batchSize(8).shuffle(false).progress(ProgressSink.silent());

  private static ModelSpec mlp() {
    return Sequential.of(Input.of(6), Dense.of(8).activation(Activation.RELU), Dense.of(3));
  }

  private static HostArray[] data(int n) {
    return dev.topiary.dsl.TinyProblem.data(n);
  }

  /** A dataset written here, independent of the library's sources: fixed batches, optionally named. */
  private static Dataset batches(HostArray x, HostArray y, int size, HostArray weights, boolean named) {
    return (epoch, ignored) -> new Dataset.Batches() {
      private int from;

      @Override
      public boolean hasNext() {
        return from < x.examples();
      }

      @Override
      public Batch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int to = Math.min(x.examples(), from + size);
        Batch b = new Batch(List.of(x.slice(from, to)), List.of(y.slice(from, to)),
            weights == null ? null : weights.slice(from, to), named ? List.of("input") : null,
            named ? List.of("dense_1") : null);
        from = to;
        return b;
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void aDatasetTrainsExactlyLikeTheSameBatchesFromArrays() {
    HostArray[] d = data(40);
    try (Model fromArrays = mlp().compile(COMPILE); Model fromData = mlp().compile(COMPILE);
        Model named = mlp().compile(COMPILE)) {
      History a = fromArrays.fit(d[0], d[1], QUIET);
      History b = fromData.fit(batches(d[0], d[1], 8, null, false), QUIET);
      named.fit(batches(d[0], d[1], 8, null, true), QUIET);
      assertThat(fromData.snapshot()).isEqualTo(fromArrays.snapshot());
      assertThat(named.snapshot()).isEqualTo(fromArrays.snapshot());
      assertThat(b.epochs()).isEqualTo(a.epochs());
      assertThat(fromData.evaluate(batches(d[0], d[1], 40, null, false)))
          .isEqualTo(fromArrays.evaluate(List.of(d[0]), List.of(d[1]), 128));
      assertThat(fromData.predict(batches(d[0], d[1], 5, null, false)).get(0))
          .isEqualTo(fromArrays.predict(d[0]));
    }
  }

  @Test
  void anEmptyGeneratorFailsTheFitInsteadOfTrainingNothing() {
    Dataset empty = Dataset.fromGenerator(() -> java.util.Collections.<dev.topiary.dsl.data.Example>emptyIterator());
    try (Model model = mlp().compile(COMPILE)) {
      var before = model.snapshot();
      assertThatThrownBy(() -> model.fit(empty, QUIET))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("gave no batches in epoch 1");
      assertThat(model.step()).isZero();
      assertThat(model.snapshot()).isEqualTo(before);
    }
  }

  @Test
  void sampleWeightsWeighTheLossPerExample() {
    HostArray[] d = data(12);
    float[] w = new float[12];
    for (int i = 0; i < w.length; i++) {
      w[i] = i % 3;
    }
    HostArray weights = HostArray.of(w, 12);
    try (Model model = mlp().compile(COMPILE)) {
      // Expected from per-example losses, each evaluated alone: mean over the batch of w * loss.
      double expected = 0;
      for (int i = 0; i < 12; i++) {
        expected += w[i] * model.evaluate(List.of(d[0].slice(i, i + 1)), List.of(d[1].slice(i, i + 1)), 1).get("loss");
      }
      expected /= 12;
      assertThat(model.evaluate(batches(d[0], d[1], 12, weights, false)).get("loss"))
          .isCloseTo(expected, Offset.offset(1e-5));
    }
  }

  @Test
  void classWeightsOfZeroLeaveTheWeightsUntouched() {
    HostArray[] d = data(16);
    try (Model model = mlp().compile(COMPILE); Model plain = mlp().compile(COMPILE); Model ones = mlp().compile(COMPILE)) {
      var before = model.snapshot();
      model.fit(d[0], d[1], QUIET.classWeights(Map.of(0, 0.0, 1, 0.0, 2, 0.0)));
      assertThat(model.weights()).isEqualTo(mlp().compile(COMPILE).weights());
      assertThat(model.snapshot().get("dense_kernel")).isEqualTo(before.get("dense_kernel"));
      plain.fit(d[0], d[1], QUIET);
      ones.fit(d[0], d[1], QUIET.classWeights(Map.of(1, 1.0)));
      assertThat(ones.snapshot()).isEqualTo(plain.snapshot());
    }
  }

  @Test
  void sampleWeightsFromFitMatchTheDataset() {
    HostArray[] d = data(16);
    float[] w = new float[16];
    for (int i = 0; i < w.length; i++) {
      w[i] = 0.5f + (i % 4);
    }
    HostArray weights = HostArray.of(w, 16);
    try (Model a = mlp().compile(COMPILE); Model b = mlp().compile(COMPILE)) {
      a.fit(d[0], d[1], QUIET.sampleWeights(weights));
      b.fit(batches(d[0], d[1], 8, weights, false), QUIET);
      assertThat(a.snapshot()).isEqualTo(b.snapshot());
    }
  }

  @Test
  void oneExampleWithoutABatchDimensionAndClasses() {
    HostArray[] d = data(5);
    try (Model model = mlp().compile(COMPILE)) {
      HostArray all = model.predict(d[0]);
      float[] third = all.slice(2, 3).floats();
      HostArray one = model.predictOne(HostArray.ofFloats(d[0].slice(2, 3).floats(), 6));
      assertThat(one.shape()).containsExactly(3);
      // One example and a batch of five run different TF kernels (blocking by batch size), which may
      // round differently: equal within float32 rounding, not bit for bit (an AVX2 CPU differs in the
      // last bit, -1.0497382f vs -1.0497384f).
      assertThat(one.floats()).containsExactly(third, org.assertj.core.data.Offset.offset(1e-5f));
      int[] classes = model.predictClasses(d[0]);
      float[] v = all.floats();
      for (int i = 0; i < 5; i++) {
        int best = 0;
        for (int c = 1; c < 3; c++) {
          best = v[i * 3 + c] > v[i * 3 + best] ? c : best;
        }
        assertThat(classes[i]).isEqualTo(best);
      }
      assertThatThrownBy(() -> model.predictOne(d[0])).hasMessageContaining("no batch dimension");
    }
  }

  @Test
  void aStrippedModelReportsItsRealZerosAndStrippingNothingWarns() {
    HostArray[] d = data(16);
    ModelSpec pruned = Sequential.of(Input.of(6), Dense.of(8).activation(Activation.RELU),
        Dense.of(3).prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0))));
    List<String> warnings = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        warnings.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger.getLogger("dev.topiary").addHandler(capture);
    try (Model model = pruned.compile(COMPILE)) {
      model.fit(d[0], d[1], QUIET);
      try (Model stripped = model.strip()) {
        assertThat(stripped.sparsity()).containsOnlyKeys("dense_kernel", "dense_1_kernel");
        assertThat(stripped.sparsity().get("dense_1_kernel")).isEqualTo(0.5);
        assertThat(stripped.sparsity().get("dense_kernel")).isEqualTo(0.0);
        assertThat(warnings).isEmpty();
        stripped.strip().close();
        assertThat(warnings).anyMatch(m -> m.contains("no pruning to strip"));
      }
    } finally {
      Logger.getLogger("dev.topiary").removeHandler(capture);
    }
  }

  @Test
  void aClosedModelSaysSo() {
    Model model = mlp().compile(COMPILE);
    assertThat(model.toString()).startsWith("GraphModel(").contains("step 0");
    model.close();
    model.close();
    assertThat(model.toString()).contains("closed");
    HostArray[] d = data(4);
    assertThatThrownBy(() -> model.predict(d[0])).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("this model is closed");
    assertThatThrownBy(model::snapshot).hasMessageContaining("this model is closed");
    assertThatThrownBy(() -> model.fit(d[0], d[1], QUIET)).hasMessageContaining("this model is closed");
  }

  @Test
  void validationOnADatasetAndItsMistakes() {
    HostArray[] d = data(24);
    try (Model model = mlp().compile(COMPILE)) {
      History h = model.fit(d[0], d[1], QUIET.validationData(batches(d[0], d[1], 10, null, false)));
      assertThat(h.epochs().get(1)).containsKeys("val_loss", "val_accuracy");
      assertThatThrownBy(() -> model.fit(batches(d[0], d[1], 8, null, false), QUIET.validationSplit(0.2)))
          .hasMessageContaining("validation split needs arrays");
      Iterator<Batch> none = List.<Batch>of().iterator();
      Dataset empty = (epoch, size) -> new Dataset.Batches() {
        @Override
        public boolean hasNext() {
          return none.hasNext();
        }

        @Override
        public Batch next() {
          return none.next();
        }

        @Override
        public void close() {}
      };
      assertThatThrownBy(() -> model.evaluate(empty)).hasMessageContaining("no examples");
    }
  }

  @Test
  void metricsOfASequenceOutputAverageOverEveryPosition() {
    ModelSpec spec = Sequential.of(Input.of(3, 4), Dense.of(5));
    Compile compile = Compile.of(Optimizer.adam(), Loss.categoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(2);
    Random r = new Random(9);
    float[] x = new float[6 * 3 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] y = new float[6 * 3 * 5];
    int[] labels = new int[6 * 3];
    for (int p = 0; p < labels.length; p++) {
      labels[p] = r.nextInt(5);
      y[p * 5 + labels[p]] = 1f;
    }
    HostArray xs = HostArray.of(x, 6, 3, 4);
    try (Model model = spec.compile(compile)) {
      float[] out = model.predict(xs).floats();
      int right = 0;
      for (int p = 0; p < labels.length; p++) {
        int best = 0;
        for (int c = 1; c < 5; c++) {
          best = out[p * 5 + c] > out[p * 5 + best] ? c : best;
        }
        right += best == labels[p] ? 1 : 0;
      }
      double accuracy = model.evaluate(xs, HostArray.of(y, 6, 3, 5)).get("accuracy");
      assertThat(accuracy).isCloseTo((double) right / labels.length, Offset.offset(1e-6));
    }
  }
}
