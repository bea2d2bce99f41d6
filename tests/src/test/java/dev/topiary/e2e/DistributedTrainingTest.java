package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.distributed.DistributedExecutor;
import dev.topiary.dsl.distributed.WorkerFailedException;
import dev.topiary.dsl.distributed.WorkerProcesses;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.runtime.RuntimeModel;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: the MNIST tutorial CNN, pruned, trained on three worker JVMs on 127.0.0.1 (TF gRPC servers,
 * collective all-reduce) against the same fit in one process; then a worker killed mid-fit, the
 * cluster restarted and the fit resumed from the chief's checkpoint.
 */
class DistributedTrainingTest {
  static final int WORKERS = 3;
  static final int EXAMPLES = 576;
  /** Global batch 96: 32 examples per worker, 6 steps per epoch, 12 in all. */
  static final Fit FIT = Fit.ofEpochs(2).batchSize(96).progress(ProgressSink.silent());
  /**
   * Largest difference allowed between one-process and 3-worker weights after 12 Adam steps: the
   * all-reduce sums the batch's gradient in another order (float32 rounding, ~1e-7 relative), which
   * Adam's normalized steps (lr 1e-3) can carry to a few 1e-6 for weights whose gradient is near 0.
   */
  static final double TOLERANCE = 1e-5;

  @TempDir static Path logs;
  static WorkerProcesses workers;
  static HostArray x;
  static HostArray y;
  private static Snapshot uninterrupted;

  @BeforeAll
  static void startWorkers() throws Exception {
    Idx.Split train = Idx.embedded("train");
    x = train.images().slice(0, EXAMPLES);
    y = train.labels().slice(0, EXAMPLES);
    workers = WorkerProcesses.start(WORKERS, logs);
  }

  @AfterAll
  static void killWorkers() throws Exception {
    if (workers != null) {
      workers.close();
    }
  }

  static ModelSpec spec() {
    PolynomialDecay schedule = PolynomialDecay.of(0.5, 0.8, 0, 10, 3, 2);
    return Sequential.of(Input.of(28, 28), Reshape.of(28, 28, 1),
        Conv2D.of(12, 3).activation(Activation.RELU).prunable(schedule), MaxPooling2D.of(2), Flatten.of(),
        Dense.of(10).prunable(schedule));
  }

  static Compile compile() {
    return Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(17);
  }

  static Fit distributed() {
    return FIT.distribution(Distribution.multiWorker(workers.addresses()));
  }

  /** Every replica's state at the end of a fit, read through the model's distributed executor. */
  static final class ReplicaStates implements Callback {
    final List<Snapshot> states = new ArrayList<>();

    @Override
    public void onTrainEnd(Map<String, Double> logs, TrainingContext context) {
      var executor = ((RuntimeModel) context.model()).executor();
      states.addAll(((DistributedExecutor) executor).replicaSnapshots());
    }
  }

  /** The uninterrupted 3-worker fit (both tests compare with it). */
  static synchronized Snapshot uninterrupted(ReplicaStates replicas) {
    if (uninterrupted == null || replicas != null) {
      try (Model model = spec().compile(compile())) {
        model.fit(x, y, replicas == null ? distributed() : distributed().callbacks(replicas));
        uninterrupted = model.snapshot();
      }
    }
    return uninterrupted;
  }

  @Test
  void threeWorkersTrainLikeOneProcessWithIdenticalMasksOnEveryReplica() {
    Snapshot local;
    try (Model model = spec().compile(compile())) {
      model.fit(x, y, FIT);
      local = model.snapshot();
    }
    ReplicaStates replicas = new ReplicaStates();
    Snapshot distributed = uninterrupted(replicas);

    assertThat(replicas.states).hasSize(WORKERS);
    for (Snapshot replica : replicas.states) {
      for (String name : List.of("conv2d_kernel_prune_mask", "dense_kernel_prune_mask", "conv2d_kernel", "dense_kernel",
          "global_step")) {
        assertThat(replica.get(name)).as(name).isEqualTo(replicas.states.get(0).get(name)); // bit for bit
      }
      assertThat(replica).isEqualTo(replicas.states.get(0));
    }
    assertThat(distributed.get("global_step").longs()).containsExactly(12);
    assertThat(distributed.get("dense_kernel_prune_mask").floats()).contains(0f);
    assertWithinTolerance(distributed, local);
  }

  @Test
  void aKilledWorkerFailsTheFitNamingItAndAResumedFitEndsLikeAnUninterruptedOne(@TempDir Path dir) throws Exception {
    Snapshot expected = uninterrupted(null);
    Path file = dir.resolve("chief.tpck");
    long[] killedAt = {0};
    Callback killer = killingAtStep(workers, 2, 8, killedAt);
    try {
      try (Model model = spec().compile(compile())) {
        WorkerFailedException e = catchThrowableOfType(
            () -> model.fit(x, y, distributed().checkpoints(file, 3).callbacks(killer)), WorkerFailedException.class);
        double seconds = (System.nanoTime() - killedAt[0]) / 1e9;
        System.out.printf("killed worker reported after %.2f s: %s%n", seconds, e.getMessage());
        assertThat(e.worker()).isEqualTo(2);
        assertThat(e.getMessage()).contains("worker 2 (" + workers.addresses().get(2) + ")");
        assertThat(seconds).isLessThan(10);
        assertThat(model.step()).as("a failed fit leaves the model as before").isZero();
      }
      Checkpoint last = Checkpoint.read(file);
      assertThat(last.step()).isEqualTo(6);

      workers.killAll(); // the survivors' collective runtime is aborted too
      workers.startAll();
      try (Model model = spec().compile(compile())) {
        model.restore(last.snapshot());
        model.fit(x, y, distributed().resumeFrom(last));
        assertSameState(model.snapshot(), expected);
      }
    } finally {
      if (!workers.cluster().workers().isEmpty()) {
        workers.startAll(); // leave the cluster up for the other tests
      }
    }
  }

  @Test
  void aHungWorkerFailsTheFitAfterTheTimeoutNamingIt() throws Exception {
    long[] stoppedAt = {0};
    Callback stopper = new Callback() {
      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
        if (context.step() == 3) {
          try {
            workers.suspend(1);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          stoppedAt[0] = System.nanoTime();
        }
      }
    };
    try (Model model = spec().compile(compile())) {
      Fit fit = FIT.distribution(Distribution.multiWorker(workers.addresses()).withTimeout(Duration.ofSeconds(5)));
      WorkerFailedException e = catchThrowableOfType(() -> model.fit(x, y, fit.callbacks(stopper)),
          WorkerFailedException.class);
      double seconds = (System.nanoTime() - stoppedAt[0]) / 1e9;
      System.out.printf("hung worker reported after %.2f s: %s%n", seconds, e.getMessage());
      assertThat(e.worker()).isEqualTo(1);
      assertThat(e.getMessage()).contains("worker 1 (" + workers.addresses().get(1) + ") does not answer");
      assertThat(seconds).as("timeout 5 s + 3 s to find the hung worker").isLessThan(20);
    } finally {
      workers.killAll();
      workers.startAll();
    }
  }

  /**
   * Floats within {@link #TOLERANCE} of the one-process values (printing the largest difference per
   * variable), everything else equal.
   */
  static void assertWithinTolerance(Snapshot distributed, Snapshot local) {
    for (String name : local.variables().keySet()) {
      HostArray a = local.get(name);
      HostArray b = distributed.get(name);
      if (a.dtype() == HostArray.DType.FLOAT32) {
        float[] fa = a.floats();
        float[] fb = b.floats();
        double max = 0;
        for (int i = 0; i < fa.length; i++) {
          max = Math.max(max, Math.abs(fa[i] - fb[i]));
        }
        System.out.printf("%s: max |one process - workers| = %.3g%n", name, max);
        assertThat(max).as(name).isLessThanOrEqualTo(TOLERANCE);
      } else {
        assertThat(b).as(name).isEqualTo(a);
      }
    }
  }

  /** A callback that kills {@code worker} at the end of global step {@code step}, noting when in {@code killedAt[0]}. */
  static Callback killingAtStep(WorkerProcesses processes, int worker, long step, long[] killedAt) {
    return new Callback() {
      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
        if (context.step() == step) {
          try {
            processes.kill(worker);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          killedAt[0] = System.nanoTime();
        }
      }
    };
  }

  /**
   * Equal values everywhere, exactly; a pruned entry may be 0.0 in one and -0.0 in the other: a
   * checkpoint saves pruned weights masked, which loses the sign of their zero (the same holds for a
   * resumed one-process fit; numerically nothing differs).
   */
  static void assertSameState(Snapshot actual, Snapshot expected) {
    assertThat(actual.variables().keySet()).isEqualTo(expected.variables().keySet());
    for (String name : expected.variables().keySet()) {
      HostArray a = actual.get(name);
      HostArray b = expected.get(name);
      if (a.dtype() != HostArray.DType.FLOAT32) {
        assertThat(a).as(name).isEqualTo(b);
        continue;
      }
      float[] fa = a.floats();
      float[] fb = b.floats();
      assertThat(fa.length).isEqualTo(fb.length);
      for (int i = 0; i < fa.length; i++) {
        if (fa[i] != fb[i]) {
          throw new AssertionError(name + "[" + i + "]: " + fa[i] + " after resuming, " + fb[i] + " uninterrupted");
        }
      }
    }
  }

  @Test
  void aBatchSmallerThanTheClusterIsRefusedBeforeAnyStep() {
    try (Model model = spec().compile(compile())) {
      assertThatThrownBy(() -> model.fit(x.slice(0, 8), y.slice(0, 8), distributed().batchSize(2)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("a batch of 2 examples cannot be split over 3 workers");
      assertThat(model.step()).isZero();
      // No collective ran: the same workers train right after.
      model.fit(x.slice(0, 96), y.slice(0, 96), distributed());
      assertThat(model.step()).isEqualTo(2);
    }
  }

  @Test
  void aFitAskingWorkersWithoutAnInputForTheirDataNamesTheWorkerBeforeAnyStep() {
    try (Model model = spec().compile(compile())) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> model.fit(FIT.distribution(Distribution.multiWorker(workers.addresses()).workerInput(6))))
          .isInstanceOf(WorkerFailedException.class)
          .hasMessageContaining("worker 0 (" + workers.addresses().get(0) + "): its input failed")
          .hasMessageContaining("was started without a worker input: start it with --input");
      assertThat((System.nanoTime() - start) / 1e9).isLessThan(10);
      assertThat(model.step()).isZero();
      // No collective ran: the same workers train right after.
      model.fit(x.slice(0, 96), y.slice(0, 96), distributed());
      assertThat(model.step()).isEqualTo(2); // 2 epochs of one batch
    }
  }

  @Test
  void aWorkerOfAnotherClusterIsRefused() {
    // Two of the three workers, as a cluster of their own: they serve the 3-worker cluster's job.
    List<String> two = workers.addresses().subList(0, 2);
    try (Model model = spec().compile(compile())) {
      assertThatThrownBy(() -> model.fit(x, y, FIT.distribution(Distribution.multiWorker(two))))
          .isInstanceOf(WorkerFailedException.class)
          .hasMessageContaining("worker 0 (" + two.get(0) + ") was started with another cluster");
    }
  }

  /**
   * Issue 29: workers started with a longer --cluster list than the chief's, its extra address down,
   * used to fail the fit only after the 30 s timeout ("does not answer as a TF server"); each is asked
   * about itself first, so the mismatch is named at once.
   */
  @Test
  void workersStartedWithALongerClusterListAreNamedWithinSeconds() throws Exception {
    try (WorkerProcesses longer = WorkerProcesses.startFirst(2, 3, logs.resolve("longer"));
        Model model = spec().compile(compile())) {
      List<String> two = longer.addresses().subList(0, 2);
      long start = System.nanoTime();
      assertThatThrownBy(() -> model.fit(x, y, FIT.distribution(Distribution.multiWorker(two))))
          .isInstanceOf(WorkerFailedException.class)
          .hasMessageContaining("worker 0 (" + two.get(0) + ") was started with another cluster")
          .hasMessageContaining("--cluster " + String.join(",", two) + " --index 0");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }
}
