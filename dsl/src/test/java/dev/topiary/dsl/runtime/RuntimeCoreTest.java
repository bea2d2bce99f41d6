package dev.topiary.dsl.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime core: graph size after the build, the fit loop's events, and its guard rails. */
class RuntimeCoreTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
      .metrics(Metric.ACCURACY).seed(3);

  private static ModelSpec mlp() {
    return Sequential.of(Input.of(6), Dense.of(8).activation(Activation.RELU),
        Dense.of(3).prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2))));
  }

  private static HostArray[] data(int n) {
    return dev.topiary.dsl.TinyProblem.data(n);
  }

  private static int graphSize(Model model) {
    return ((GraphExecutor) ((RuntimeModel) model).executor()).graphSize();
  }

  @Test
  void nonFiniteWeightsAreRefusedNamingTheWeight() {
    try (Model model = mlp().compile(COMPILE)) {
      Map<String, HostArray> weights = new java.util.LinkedHashMap<>(model.weights());
      String name = weights.keySet().iterator().next();
      float[] values = weights.get(name).floats();
      values[5] = Float.NaN;
      weights.put(name, HostArray.of(values, weights.get(name).shape()));
      Map<String, HostArray> before = model.weights();
      assertThatThrownBy(() -> model.setWeights(weights))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("weight '" + name + "' holds NaN at flat index 5; weights must be finite");
      values[5] = Float.POSITIVE_INFINITY;
      weights.put(name, HostArray.of(values, weights.get(name).shape()));
      assertThatThrownBy(() -> model.setWeights(weights)).hasMessageContaining("holds Infinity at flat index 5");
      assertThat(model.weights()).isEqualTo(before);
    }
  }

  @Test
  void closingWhilePredictionsRunFailsThemAsAClosedModelNotWithTfsSessionError() throws Exception {
    HostArray[] d = data(256);
    Model model = mlp().compile(COMPILE);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch running = new CountDownLatch(2);
      List<Future<Throwable>> callers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        callers.add(pool.submit(() -> {
          running.countDown();
          try {
            while (true) {
              model.predict(List.of(d[0]), 1); // many short runs: one is likely in flight at close
            }
          } catch (Throwable e) {
            return e;
          }
        }));
      }
      running.await();
      Thread.sleep(200);
      model.close();
      for (Future<Throwable> caller : callers) {
        Throwable e = caller.get(30, TimeUnit.SECONDS);
        assertThat(e).isInstanceOf(IllegalStateException.class);
        assertThat(e.getMessage()).contains("closed").doesNotContain("Session");
      }
    } finally {
      pool.shutdownNow();
      model.close();
    }
  }

  @Test
  void nothingIsAddedToTheGraphAfterTheBuild(@TempDir Path dir) throws Exception {
    HostArray[] d = data(64);
    try (Model model = mlp().compile(COMPILE)) {
      int size = graphSize(model);
      for (int i = 0; i < 1000; i++) {
        model.restore(model.snapshot());
        model.step();
        model.weights();
        model.sparsity();
      }
      assertThat(graphSize(model)).isEqualTo(size);
      for (int i = 0; i < 20; i++) {
        model.fit(d[0], d[1], Fit.ofEpochs(1).batchSize(16).progress(ProgressSink.silent())
            .checkpoints(dir.resolve("ck.tpck"), 2).tensorBoard(dir.resolve("tb")));
        model.evaluate(d[0], d[1]);
        model.predict(d[0]);
        ModelFiles.save(model, dir.resolve("saved" + (i % 2)));
      }
      assertThat(graphSize(model)).isEqualTo(size);
      assertThat(model.step()).isEqualTo(20 * 4);
    }
  }

  @Test
  void callbacksSeeKerasEventsInOrder() {
    HostArray[] d = data(8);
    List<String> events = new ArrayList<>();
    Callback recorder = new Callback() {
      @Override
      public void onTrainBegin(TrainingContext c) {
        events.add("train_begin");
      }

      @Override
      public void onEpochBegin(int epoch, TrainingContext c) {
        events.add("epoch_begin " + epoch);
      }

      @Override
      public void onBatchBegin(int epoch, int batch, TrainingContext c) {
        events.add("batch_begin " + epoch + "." + batch);
      }

      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext c) {
        events.add("batch_end " + epoch + "." + batch + " step " + c.step());
        assertThat(logs).containsKeys("loss", "accuracy");
        assertThat(c.batchLogs()).containsKeys("loss", "accuracy");
      }

      @Override
      public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext c) {
        events.add("epoch_end " + epoch);
        assertThat(logs).containsKeys("loss", "accuracy", "sparsity");
      }

      @Override
      public void onTrainEnd(Map<String, Double> logs, TrainingContext c) {
        events.add("train_end");
      }
    };
    try (Model model = mlp().compile(COMPILE)) {
      model.fit(d[0], d[1], Fit.ofEpochs(2).batchSize(4).progress(ProgressSink.silent()).callbacks(recorder));
    }
    assertThat(events).containsExactly("train_begin",
        "epoch_begin 0", "batch_begin 0.0", "batch_end 0.0 step 1", "batch_begin 0.1", "batch_end 0.1 step 2", "epoch_end 0",
        "epoch_begin 1", "batch_begin 1.0", "batch_end 1.0 step 3", "batch_begin 1.1", "batch_end 1.1 step 4", "epoch_end 1",
        "train_end");
  }

  @Test
  void aCallbackStopsTrainingAfterTheCurrentBatch() {
    HostArray[] d = data(40);
    Callback stop = new Callback() {
      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext c) {
        if (batch == 2) {
          c.stopTraining();
        }
      }
    };
    try (Model model = mlp().compile(COMPILE)) {
      History h = model.fit(d[0], d[1], Fit.ofEpochs(5).batchSize(4).progress(ProgressSink.silent()).callbacks(stop));
      assertThat(model.step()).isEqualTo(3);
      assertThat(h.epochs()).hasSize(1);
    }
  }

  @Test
  void aHugeBatchSizeTrainsOneStepPerEpoch() {
    HostArray[] d = data(10);
    try (Model model = mlp().compile(COMPILE)) {
      model.fit(d[0], d[1], Fit.ofEpochs(2).batchSize(Integer.MAX_VALUE).progress(ProgressSink.silent()));
      assertThat(model.step()).isEqualTo(2);
    }
  }

  @Test
  void anUnwritableCheckpointPathFailsBeforeTheFirstStep(@TempDir Path dir) throws Exception {
    HostArray[] d = data(10);
    Path blocker = Files.writeString(dir.resolve("file"), "not a directory");
    try (Model model = mlp().compile(COMPILE)) {
      assertThatThrownBy(() -> model.fit(d[0], d[1], Fit.ofEpochs(1).batchSize(2).progress(ProgressSink.silent())
          .checkpoints(blocker.resolve("ck.tpck"), 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot write checkpoints")
          .hasMessageContaining("ck.tpck");
      assertThat(model.step()).isZero();
    }
  }

  @Test
  void concurrentFitOnOneModelIsRefusedWhilePredictRuns() throws Exception {
    HostArray[] d = data(32);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Callback hold = new Callback() {
      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext c) {
        inside.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Model model = mlp().compile(COMPILE)) {
      Future<History> first = pool.submit(() -> model.fit(d[0], d[1], Fit.ofEpochs(1).batchSize(16)
          .progress(ProgressSink.silent()).callbacks(hold)));
      assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> model.fit(d[0], d[1], Fit.ofEpochs(1).progress(ProgressSink.silent())))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
      assertThat(model.predict(d[0]).shape()).containsExactly(32, 3);
      release.countDown();
      first.get(60, TimeUnit.SECONDS);
      assertThat(model.step()).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nonFiniteInputsToPredictAreRefused() {
    float[] x = new float[12];
    x[9] = Float.NaN;
    try (Model model = mlp().compile(COMPILE)) {
      assertThatThrownBy(() -> model.predict(HostArray.of(x, 2, 6)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input 'input'")
          .hasMessageContaining("NaN").hasMessageContaining("example 1");
    }
  }

  @Test
  void aModelTooLargeForTheHostFailsAtOnceNamingTheLayer() {
    ModelSpec huge = Sequential.of(Input.of(50000), Dense.of(50000));
    assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        assertThatThrownBy(() -> huge.compile(COMPILE).close())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'dense'").hasMessageContaining("kernel"));
  }

  @Test
  void aLoadedConfigWithAnAbsurdSizeFailsInsteadOfHanging() {
    String json = dev.topiary.dsl.config.ModelConfig.toJson(Sequential.of(Input.of(4), Dense.of(3)))
        .replaceFirst("\"units\"\\s*:\\s*3", "\"units\": 2147483647");
    assertThat(json).contains("2147483647");
    assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        assertThatThrownBy(() -> dev.topiary.dsl.config.ModelConfig.fromJson(json, "crafted.json").compile(COMPILE).close())
            .isInstanceOf(IllegalArgumentException.class));
  }

  @Test
  void aCheckpointWithForgedPositionsIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
    try (Model model = mlp().compile(COMPILE)) {
      Path file = dir.resolve("forged.tpck");
      dev.topiary.dsl.state.SnapshotFile.write(file, model.snapshot(),
          Map.of("epoch", "-3", "batch", "0", "fingerprint", "x"));
      assertThatThrownBy(() -> dev.topiary.dsl.Checkpoint.read(file))
          .isInstanceOf(dev.topiary.dsl.export.CorruptFileException.class)
          .hasMessageContaining("forged.tpck").hasMessageContaining("'epoch'");
      dev.topiary.dsl.state.SnapshotFile.write(file, model.snapshot().filter(n -> !n.equals("global_step")),
          Map.of("epoch", "1", "batch", "0", "fingerprint", "x"));
      assertThatThrownBy(() -> dev.topiary.dsl.Checkpoint.read(file))
          .isInstanceOf(dev.topiary.dsl.export.CorruptFileException.class).hasMessageContaining("global_step");
    }
  }

  /** A layer whose ops cannot be built: the failure comes after the graph exists. */
  private static final class Broken implements dev.topiary.dsl.layers.Layer {
    @Override
    public String name() {
      return null;
    }

    @Override
    public String typeName() {
      return "Broken";
    }

    @Override
    public org.tensorflow.ndarray.Shape outputShape(List<org.tensorflow.ndarray.Shape> inputShapes) {
      return inputShapes.get(0);
    }

    @Override
    public org.tensorflow.Operand<org.tensorflow.types.TFloat32> call(dev.topiary.dsl.layers.LayerContext context,
        List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs) {
      throw new IllegalStateException("broken layer");
    }

    @Override
    public dev.topiary.dsl.layers.Layer withPruning(PruningSpec spec) {
      return this;
    }

    @Override
    public dev.topiary.dsl.layers.Layer withoutPruning() {
      return this;
    }
  }

  @Test
  void aFailureWhileBuildingTheGraphClosesItWithoutHanging() {
    ModelSpec broken = Sequential.of(Input.of(4), Dense.of(3), new Broken());
    assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        assertThatThrownBy(() -> broken.compile(COMPILE).close()).hasMessageContaining("broken layer"));
  }

  @Test
  void fitSettingsAreImmutableAndBuiltInOnePlace() {
    Callback c = new Callback() {};
    Fit base = Fit.ofEpochs(2);
    Fit changed = base.batchSize(8).shuffle(false).callbacks(c);
    assertThat(base.batchSize()).isEqualTo(32);
    assertThat(base.shuffle()).isTrue();
    assertThat(changed.batchSize()).isEqualTo(8);
    assertThat(changed.epochs()).isEqualTo(2);
    assertThat(changed.callbacks()).containsExactly(c);
    Fit built = Fit.builder().epochs(3).batchSize(4).callback(c).callback(c).build();
    assertThat(built.callbacks()).hasSize(2);
    assertThat(built.toBuilder().epochs(5).build().batchSize()).isEqualTo(4);
    assertThatThrownBy(() -> Fit.builder().epochs(0).build()).hasMessageContaining("epochs must be >= 1");
    assertThat(Fit.ofEpochs(4).batchSize(128).validationSplit(0.1).toString())
        .isEqualTo("Fit(epochs 4, batch 128, validation split 0.1)");
  }
}
