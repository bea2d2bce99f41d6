package dev.topiary.dsl.training.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.PruningState;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EarlyStopping, ModelCheckpoint, CSVLogger and ReduceLROnPlateau, on scripted logs and in real fits. */
class CallbacksTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true))
      .metrics(Metric.ACCURACY).seed(3);

  private static ModelSpec mlp() {
    return Sequential.of(Input.of(6), Dense.of(8).activation(Activation.RELU),
        Dense.of(3).prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2))));
  }

  private static HostArray[] data(int n) {
    return dev.topiary.dsl.TinyProblem.data(n);
  }

  private static Fit fit(int epochs, Callback... callbacks) {
    return Fit.ofEpochs(epochs).batchSize(16).progress(ProgressSink.silent()).callbacks(callbacks);
  }

  /** A training context whose epochs the test scripts. */
  private static final class Scripted implements Callback.TrainingContext {
    private final Model model;
    private boolean stop;

    Scripted(Model model) {
      this.model = model;
    }

    @Override
    public Model model() {
      return model;
    }

    @Override
    public void stopTraining() {
      stop = true;
    }

    @Override
    public boolean stopRequested() {
      return stop;
    }

    @Override
    public Fit fit() {
      return Fit.ofEpochs(1);
    }

    @Override
    public int batchesPerEpoch() {
      return 1;
    }

    @Override
    public long step() {
      return 0;
    }

    @Override
    public Map<String, Double> batchLogs() {
      return Map.of();
    }

    /** Runs {@code callback} over epochs with these logs until it stops training; the epochs run. */
    int run(Callback callback, List<Map<String, Double>> epochs) {
      stop = false;
      callback.onTrainBegin(this);
      int run = 0;
      Map<String, Double> last = Map.of();
      for (int e = 0; e < epochs.size() && !stop; e++) {
        last = epochs.get(e);
        callback.onEpochEnd(e, last, this);
        run++;
      }
      callback.onTrainEnd(last, this);
      return run;
    }
  }

  private static List<Map<String, Double>> series(String metric, double... values) {
    List<Map<String, Double>> out = new ArrayList<>();
    for (double v : values) {
      Map<String, Double> logs = new LinkedHashMap<>();
      logs.put("loss", 1.0);
      logs.put(metric, v);
      out.add(logs);
    }
    return out;
  }

  /** A model that is nothing but a learning rate held as float32 (as the variable holds it). */
  private static Model rateOnly(double initial) {
    float[] rate = {(float) initial};
    return (Model) Proxy.newProxyInstance(Model.class.getClassLoader(), new Class<?>[] {Model.class}, (p, m, args) ->
        switch (m.getName()) {
          case "learningRate" -> (double) rate[0];
          case "setLearningRate" -> {
            rate[0] = (float) (double) (Double) args[0];
            yield null;
          }
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  /** Records the model's state after every epoch. */
  private static final class Recorder implements Callback {
    final List<Snapshot> states = new ArrayList<>();

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
      states.add(context.model().snapshot());
    }
  }

  // ---- EarlyStopping ------------------------------------------------------------------------------

  @Test
  void earlyStoppingStopsWhenPatienceRunsOut() {
    Scripted ctx = new Scripted(null);
    EarlyStopping es = EarlyStopping.of("val_loss", 2);
    // best 0.9 at epoch 1; epochs 2 and 3 do not improve: stop after epoch 3.
    assertThat(ctx.run(es, series("val_loss", 1.0, 0.9, 0.95, 0.91, 0.8, 0.7))).isEqualTo(4);
    assertThat(es.stoppedEpoch()).isEqualTo(3);
    assertThat(es.bestEpoch()).isEqualTo(1);
    assertThat(es.best()).isEqualTo(0.9);
    // The same instance again: state is reset at train begin.
    assertThat(ctx.run(es, series("val_loss", 1.0, 0.9, 0.8, 0.7))).isEqualTo(4);
    assertThat(es.stoppedEpoch()).isEqualTo(-1);
    // Patience 0: the first epoch without improvement stops.
    assertThat(ctx.run(EarlyStopping.of("val_loss", 0), series("val_loss", 1.0, 1.1, 0.5))).isEqualTo(2);
    // Equal is not better.
    assertThat(ctx.run(EarlyStopping.of("val_loss", 1), series("val_loss", 1.0, 1.0, 0.5))).isEqualTo(2);
  }

  @Test
  void earlyStoppingMinDeltaModeBaselineAndStart() {
    Scripted ctx = new Scripted(null);
    // 0.96 improves on 1.0 by less than 0.05: no improvement.
    EarlyStopping delta = EarlyStopping.builder().monitor("val_loss").minDelta(-0.05).patience(1).build();
    assertThat(ctx.run(delta, series("val_loss", 1.0, 0.96, 0.5))).isEqualTo(2);
    // Accuracy goes up (auto mode); a drop does not improve.
    assertThat(ctx.run(EarlyStopping.of("val_accuracy", 1), series("val_accuracy", 0.5, 0.6, 0.55, 0.9)))
        .isEqualTo(3);
    assertThat(ctx.run(EarlyStopping.builder().monitor("loss").mode(Mode.MAX).patience(1).build(),
        series("loss", 0.5, 0.6, 0.55, 0.9))).isEqualTo(3);
    // Without a baseline the wait restarts at epoch 0 and runs out at epoch 2; with a baseline that
    // epoch 0 does not beat, it keeps counting from epoch 0 and runs out at epoch 1.
    assertThat(ctx.run(EarlyStopping.of("val_loss", 2), series("val_loss", 0.9, 0.95, 0.97, 0.99))).isEqualTo(3);
    EarlyStopping baseline = EarlyStopping.builder().patience(2).baseline(0.5).build();
    assertThat(ctx.run(baseline, series("val_loss", 0.9, 0.95, 0.97, 0.99))).isEqualTo(2);
    // Epochs before startFromEpoch are not monitored.
    EarlyStopping late = EarlyStopping.builder().monitor("loss").patience(0).startFromEpoch(2).build();
    assertThat(ctx.run(late, series("val_loss", 1, 2, 3, 4).stream().map(m -> Map.of("loss", m.get("val_loss")))
        .toList())).isEqualTo(4);
    assertThat(late.bestEpoch()).isEqualTo(2);
  }

  @Test
  void aMissingMetricOrDirectionIsAClearError() {
    Scripted ctx = new Scripted(null);
    EarlyStopping es = EarlyStopping.of("val_loss", 2);
    Map<String, Double> logs = new LinkedHashMap<>();
    logs.put("loss", 1.0);
    logs.put("accuracy", 0.5);
    assertThatThrownBy(() -> ctx.run(es, List.of(logs)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("EarlyStopping monitors 'val_loss'")
        .hasMessageContaining("available: [loss, accuracy]")
        .hasMessageContaining("validation");
    assertThatThrownBy(() -> EarlyStopping.of("sparsity", 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'sparsity'").hasMessageContaining("Mode.MIN or Mode.MAX");
    assertThatThrownBy(() -> ReduceLROnPlateau.builder().factor(1.0).build())
        .hasMessageContaining("factor >= 1");
    assertThatThrownBy(() -> ctx.run(new ReduceLROnPlateau("val_loss", 0.5, 1, Mode.AUTO, 0, 0, 0),
        List.of(Map.of("loss", 1.0)))).hasMessageContaining("ReduceLROnPlateau monitors 'val_loss'");
    assertThatThrownBy(() -> ctx.run(ModelCheckpoint.builder("x").saveBestOnly(true).build(),
        List.of(Map.of("loss", 1.0)))).hasMessageContaining("ModelCheckpoint monitors 'val_loss'");
  }

  @Test
  void earlyStoppingInARealFitStopsAndRestoresTheBestEpochBitForBit() {
    HostArray[] d = data(64);
    try (Model model = mlp().compile(COMPILE)) {
      Recorder recorder = new Recorder();
      // Nothing beats epoch 0 by 1e9: it stays the best, and patience 2 stops after epoch 2.
      EarlyStopping es = EarlyStopping.builder().monitor("loss").minDelta(1e9).patience(2).restoreBestWeights(true)
          .build();
      History h = model.fit(d[0], d[1], fit(10, recorder, es));
      assertThat(h.epochs()).hasSize(3);
      assertThat(es.stoppedEpoch()).isEqualTo(2);
      assertThat(es.bestEpoch()).isEqualTo(0);
      Snapshot now = model.snapshot();
      Snapshot best = recorder.states.get(0);
      Snapshot last = recorder.states.get(2);
      String step = PruningState.step().name();
      // Weights and pruning state from epoch 0; step and optimizer state go on from epoch 2.
      assertThat(now.filter(n -> !StateContract.isOptimizerState(n) && !n.equals(step)))
          .isEqualTo(best.filter(n -> !StateContract.isOptimizerState(n) && !n.equals(step)));
      assertThat(now.filter(n -> StateContract.isOptimizerState(n) || n.equals(step)))
          .isEqualTo(last.filter(n -> StateContract.isOptimizerState(n) || n.equals(step)));
      assertThat(model.step()).isEqualTo(12);
      assertThat(best).isNotEqualTo(last);
    }
  }

  // ---- ModelCheckpoint ----------------------------------------------------------------------------

  @Test
  void checkpointPathsFormatLikePython() {
    Map<String, Double> logs = new LinkedHashMap<>();
    logs.put("loss", 0.123456);
    logs.put("val_accuracy", 0.5);
    assertThat(ModelCheckpoint.format("m-{epoch:03d}-{loss:.3f}", 7, logs)).isEqualTo("m-007-0.123");
    assertThat(ModelCheckpoint.format("{epoch}_{val_accuracy}_{loss:.2e}_{val_accuracy:.1%}", 12, logs))
        .isEqualTo("12_0.5_1.23e-01_50.0%");
    assertThat(ModelCheckpoint.format("{{epoch}}/{epoch:2d}", 3, logs)).isEqualTo("{epoch}/ 3");
    assertThatThrownBy(() -> ModelCheckpoint.format("m-{val_loss:.2f}", 1, logs))
        .hasMessageContaining("names 'val_loss', which is not in the logs; available: epoch and [loss, val_accuracy]");
    assertThatThrownBy(() -> ModelCheckpoint.format("m-{loss:>8}", 1, logs)).hasMessageContaining("unsupported format");
  }

  @Test
  void checkpointSavesOnlyImprovements(@TempDir Path dir) throws IOException {
    try (Model model = mlp().compile(COMPILE)) {
      Scripted ctx = new Scripted(model);
      ModelCheckpoint best = ModelCheckpoint.builder(dir.resolve("ckpt").resolve("m-{epoch:02d}-{val_loss:.2f}"))
          .saveBestOnly(true).build();
      ctx.run(best, series("val_loss", 0.9, 0.95, 0.8, 0.85, 0.8));
      try (Stream<Path> files = Files.list(dir.resolve("ckpt"))) {
        assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList())
            .containsExactly("m-01-0.90", "m-03-0.80");
      }
      assertThat(best.lastSaved()).isEqualTo(dir.resolve("ckpt").resolve("m-03-0.80"));
      // A threshold the first epochs must beat.
      ModelCheckpoint threshold = ModelCheckpoint.builder(dir.resolve("t-{epoch}")).saveBestOnly(true)
          .initialValueThreshold(0.85).build();
      ctx.run(threshold, series("val_loss", 0.9, 0.95, 0.8));
      assertThat(Files.exists(dir.resolve("t-1"))).isFalse();
      assertThat(Files.exists(dir.resolve("t-3"))).isTrue();
    }
  }

  @Test
  void checkpointInARealFitHoldsTheBestModel(@TempDir Path dir) throws IOException {
    HostArray[] d = data(64);
    try (Model model = mlp().compile(COMPILE)) {
      Recorder recorder = new Recorder();
      Path best = dir.resolve("best");
      History h = model.fit(d[0], d[1], fit(4, recorder, ModelCheckpoint.bestOnly(best, "accuracy"),
          ModelCheckpoint.builder(dir.resolve("w-{epoch}.tpck")).saveWeightsOnly(true).build()));
      double[] accuracy = h.metric("accuracy");
      int bestEpoch = 0;
      for (int e = 1; e < accuracy.length; e++) {
        if (accuracy[e] > accuracy[bestEpoch]) {
          bestEpoch = e;
        }
      }
      try (Model loaded = ModelFiles.load(best, COMPILE)) {
        assertThat(loaded.snapshot()).isEqualTo(recorder.states.get(bestEpoch));
      }
      for (int e = 1; e <= 4; e++) {
        assertThat(Files.exists(dir.resolve("w-" + e + ".tpck"))).isTrue();
      }
      try (Model fresh = mlp().compile(COMPILE); Model reference = mlp().compile(COMPILE)) {
        ModelCheckpoint.loadWeights(fresh, dir.resolve("w-2.tpck"));
        reference.restore(recorder.states.get(1));
        assertThat(fresh.weights()).isEqualTo(reference.weights());
      }
    }
  }

  // ---- CSVLogger ----------------------------------------------------------------------------------

  private static String expectedRows(History h, int firstEpoch) {
    StringBuilder out = new StringBuilder();
    for (int e = 0; e < h.epochs().size(); e++) {
      Map<String, Double> logs = h.epochs().get(e);
      out.append(firstEpoch + e);
      for (String k : new TreeSet<>(logs.keySet())) {
        out.append(',').append(Double.toString(logs.get(k)));
      }
      out.append('\n');
    }
    return out.toString();
  }

  @Test
  void csvLoggerWritesEveryEpochAndAppends(@TempDir Path dir) throws IOException {
    HostArray[] d = data(80);
    Path csv = dir.resolve("log.csv");
    try (Model model = mlp().compile(COMPILE)) {
      History h = model.fit(d[0], d[1], fit(3, new CSVLogger(csv)).validationSplit(0.2));
      String header = "epoch,accuracy,loss,sparsity,val_accuracy,val_loss\n";
      assertThat(Files.readString(csv)).isEqualTo(header + expectedRows(h, 0));
      History more = model.fit(d[0], d[1], fit(2, new CSVLogger(csv, ",", true)).validationSplit(0.2));
      assertThat(Files.readString(csv)).isEqualTo(header + expectedRows(h, 0) + expectedRows(more, 0));
      // Without append the file is replaced.
      History fresh = model.fit(d[0], d[1], fit(1, new CSVLogger(csv)).validationSplit(0.2));
      assertThat(Files.readString(csv)).isEqualTo(header + expectedRows(fresh, 0));
    }
  }

  @Test
  void csvLoggerKeepsItsHeaderAndFlushesEachEpoch(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("log.csv");
    CSVLogger logger = new CSVLogger(csv, ";", false);
    Scripted ctx = new Scripted(null);
    logger.onTrainBegin(ctx);
    Map<String, Double> first = new LinkedHashMap<>();
    first.put("loss", 0.5);
    first.put("a;b", 2.0);
    logger.onEpochEnd(0, first, ctx);
    // Flushed before training ends.
    assertThat(Files.readString(csv)).isEqualTo("epoch;\"a;b\";loss\n0;2.0;0.5\n");
    logger.onEpochEnd(1, Map.of("loss", 0.25), ctx);
    logger.onEpochEnd(2, Map.of("loss", 0.125, "a;b", 1.0, "later", 7.0), ctx);
    logger.onTrainEnd(Map.of(), ctx);
    assertThat(Files.readString(csv)).isEqualTo("epoch;\"a;b\";loss\n0;2.0;0.5\n1;NA;0.25\n2;1.0;0.125\n");
  }

  // ---- ReduceLROnPlateau --------------------------------------------------------------------------

  private static List<Double> rates(ReduceLROnPlateau callback, Model model, List<Map<String, Double>> epochs) {
    Scripted ctx = new Scripted(model);
    List<Double> out = new ArrayList<>();
    callback.onTrainBegin(ctx);
    for (int e = 0; e < epochs.size(); e++) {
      callback.onEpochEnd(e, epochs.get(e), ctx);
      out.add(model.learningRate());
    }
    callback.onTrainEnd(Map.of(), ctx);
    return out;
  }

  @Test
  void reduceLrOnPlateauReducesAfterPatience() {
    Model model = rateOnly(0.1);
    ReduceLROnPlateau reduce = ReduceLROnPlateau.builder().factor(0.5).patience(2).build();
    List<Double> r = rates(reduce, model, series("val_loss", 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.7));
    float a = 0.1f;
    float b = (float) (a * 0.5);
    float c = (float) (b * 0.5);
    float e = (float) (c * 0.5);
    assertThat(r).containsExactly((double) a, (double) a, (double) b, (double) b, (double) c, (double) c, (double) c,
        (double) e);
    assertThat(reduce.reductions()).isEqualTo(3);
  }

  @Test
  void reduceLrOnPlateauCooldownAndFloor() {
    Model model = rateOnly(0.1);
    ReduceLROnPlateau reduce = ReduceLROnPlateau.builder().monitor("loss").factor(0.5).patience(1).cooldown(1)
        .minLr(0.03).build();
    List<Double> r = rates(reduce, model, List.of(Map.of("loss", 1.0), Map.of("loss", 1.0), Map.of("loss", 1.0),
        Map.of("loss", 1.0), Map.of("loss", 1.0)));
    // Epoch 1 reduces (cooldown 1 starts); epoch 2 ends the cooldown and, the wait reaching 1, reduces
    // again, to the floor; at the floor nothing changes any more.
    assertThat(r).containsExactly((double) 0.1f, (double) 0.05f, (double) 0.03f, (double) 0.03f, (double) 0.03f);
    assertThat(reduce.reductions()).isEqualTo(2);
    // minDelta: 0.99995 is not better than 1.0 by more than 1e-4.
    Model other = rateOnly(0.1);
    List<Double> small = rates(ReduceLROnPlateau.builder().monitor("loss").factor(0.5).patience(1).build(), other,
        List.of(Map.of("loss", 1.0), Map.of("loss", 0.99995)));
    assertThat(small.get(1)).isCloseTo(0.05, within(1e-8));
  }

  @Test
  void theRateVariableIsDrivenThroughTheModelWhileTraining() throws Exception {
    HostArray[] d = data(64);
    try (Model model = mlp().compile(COMPILE)) {
      assertThat(model.learningRate()).isEqualTo((double) 0.01f);
      List<Double> r = rates(ReduceLROnPlateau.builder().monitor("loss").factor(0.5).patience(1).build(), model,
          series("val_loss", 1, 1, 1).stream().map(m -> Map.of("loss", 1.0)).toList());
      assertThat(r.get(2)).isEqualTo((double) (float) ((float) (0.01f * 0.5) * 0.5));
      model.fit(d[0], d[1], fit(1));
      assertThat(model.learningRate()).isEqualTo(r.get(2));
      assertThat(model.snapshot().get(StateContract.LEARNING_RATE).floats()[0]).isEqualTo((float) (double) r.get(2));
    }
  }

  @Test
  void reduceLrOnPlateauInARealFit() {
    HostArray[] d = data(64);
    try (Model model = mlp().compile(COMPILE)) {
      // Only epoch 0 improves (by 1e9 from infinity): epochs 1 and 2 each reduce.
      ReduceLROnPlateau reduce = ReduceLROnPlateau.builder().monitor("loss").factor(0.5).patience(1).minDelta(1e9)
          .build();
      model.fit(d[0], d[1], fit(3, reduce));
      assertThat(reduce.reductions()).isEqualTo(2);
      assertThat(model.learningRate()).isCloseTo(0.0025, within(1e-9));
      assertThat(model.snapshot().get(StateContract.LEARNING_RATE).floats()[0]).isCloseTo(0.0025f, within(1e-9f));
    }
    try (Model scheduled = mlp().compile(COMPILE.optimizer(Optimizer.adam(
        dev.topiary.dsl.training.schedules.CosineDecay.of(0.01, 100))))) {
      assertThatThrownBy(() -> scheduled.setLearningRate(0.1)).isInstanceOf(RuntimeException.class);
    }
  }
}
