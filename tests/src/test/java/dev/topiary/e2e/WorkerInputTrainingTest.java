package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.data.io.TFRecords;
import dev.topiary.dsl.distributed.WorkerFailedException;
import dev.topiary.dsl.distributed.WorkerProcesses;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.samples.data.Idx;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, worker input: three worker JVMs on 127.0.0.1, each reading its own TFRecord file
 * ({@link ShardFilesInput}); the chief sends no data. Worker {@code i}'s file holds examples
 * {@code i, i + 3, i + 6, ...} of the 576, so step {@code k} trains on examples {@code 96k ..
 * 96k + 95}: the same global batches as one process over the arrays in order, and the same share
 * per worker as a chief-fed fit (example {@code j} to worker {@code j % 3}).
 */
class WorkerInputTrainingTest {
  static final int WORKERS = DistributedTrainingTest.WORKERS;
  static final int EXAMPLES = DistributedTrainingTest.EXAMPLES;
  /** 576 / 96 global batches per epoch. */
  static final int STEPS = 6;
  static final Fit FIT = DistributedTrainingTest.FIT.shuffle(false);

  @TempDir static Path dir;
  static WorkerProcesses workers;
  static HostArray x;
  static HostArray y;
  private static Snapshot uninterrupted;

  @BeforeAll
  static void writeShardsAndStartWorkers() throws Exception {
    Idx.Split train = Idx.embedded("train");
    x = train.images().slice(0, EXAMPLES);
    y = train.labels().slice(0, EXAMPLES);
    for (int i = 0; i < WORKERS; i++) {
      int[] idx = new int[EXAMPLES / WORKERS];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = i + k * WORKERS;
      }
      Map<String, HostArray> columns = new LinkedHashMap<>();
      columns.put("image", x.gather(idx));
      columns.put("label", y.gather(idx));
      TFRecordDataset.write(dir.resolve("shard-" + i + ".tfrecord"), columns, TFRecords.Compression.NONE);
    }
    workers = WorkerProcesses.start(WORKERS, dir.resolve("logs"), List.of("--input", ShardFilesInput.class.getName()),
        Map.of("TOPIARY_SHARDS", dir.toString()));
  }

  @AfterAll
  static void killWorkers() throws Exception {
    if (workers != null) {
      workers.close();
    }
  }

  /**
   * The worker-input fit; its validation after each epoch feeds replica 0 from the chief and must
   * not take a batch from a worker's queue (the fit would then differ from the chief-fed one).
   */
  static Fit onWorkers() {
    return FIT.distribution(Distribution.multiWorker(workers.addresses()).workerInput(STEPS))
        .validationData(x.slice(0, 96), y.slice(0, 96));
  }

  static synchronized Snapshot uninterrupted(DistributedTrainingTest.ReplicaStates replicas) {
    if (uninterrupted == null || replicas != null) {
      try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
        model.fit(replicas == null ? onWorkers() : onWorkers().callbacks(replicas));
        uninterrupted = model.snapshot();
      }
    }
    return uninterrupted;
  }

  @Test
  void workersReadingTheirOwnFilesTrainLikeOneProcessAndLikeTheChiefFedFit() {
    Snapshot local;
    try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
      model.fit(x, y, FIT);
      local = model.snapshot();
    }
    Snapshot chiefFed;
    try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
      model.fit(x, y, FIT.distribution(Distribution.multiWorker(workers.addresses())));
      chiefFed = model.snapshot();
    }
    DistributedTrainingTest.ReplicaStates replicas = new DistributedTrainingTest.ReplicaStates();
    long start = System.nanoTime();
    Snapshot onWorkers = uninterrupted(replicas);
    System.out.printf("worker-input fit of %d steps: %.2f s%n", 2 * STEPS, (System.nanoTime() - start) / 1e9);

    assertThat(replicas.states).hasSize(WORKERS);
    for (Snapshot replica : replicas.states) {
      assertThat(replica).isEqualTo(replicas.states.get(0)); // bit for bit, masks included
    }
    assertThat(onWorkers.get("global_step").longs()).containsExactly(2 * STEPS);
    assertThat(onWorkers.get("dense_kernel_prune_mask").floats()).contains(0f);
    // The same per-worker batches as the chief-fed fit: the same computation, bit for bit.
    assertThat(onWorkers).isEqualTo(chiefFed);
    DistributedTrainingTest.assertWithinTolerance(onWorkers, local);
  }

  @Test
  void aKilledWorkerFailsTheFitNamingItAndTheResumedFitEndsLikeAnUninterruptedOne(@TempDir Path run) throws Exception {
    Snapshot expected = uninterrupted(null);
    Path file = run.resolve("chief.tpck");
    long[] killedAt = {0};
    Callback killer = DistributedTrainingTest.killingAtStep(workers, 2, 8, killedAt);
    try {
      try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
        WorkerFailedException e = catchThrowableOfType(
            () -> model.fit(onWorkers().checkpoints(file, 4).callbacks(killer)), WorkerFailedException.class);
        double seconds = (System.nanoTime() - killedAt[0]) / 1e9;
        System.out.printf("killed worker reported after %.2f s: %s%n", seconds, e.getMessage());
        assertThat(e.worker()).isEqualTo(2);
        assertThat(e.getMessage()).contains("worker 2 (" + workers.addresses().get(2) + ")");
        assertThat(seconds).isLessThan(10);
      }
      Checkpoint last = Checkpoint.read(file);
      assertThat(last.step()).isEqualTo(8); // mid-epoch: the workers skip the epoch's first 2 batches
      assertThat(last.epoch()).isEqualTo(1);
      assertThat(last.batch()).isEqualTo(2);

      workers.killAll();
      workers.startAll();
      try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
        model.restore(last.snapshot());
        model.fit(onWorkers().resumeFrom(last));
        DistributedTrainingTest.assertSameState(model.snapshot(), expected);
      }
    } finally {
      workers.startAll();
    }
  }

  @Test
  void inputEndingBeforeTheStepsPerEpochFailsTheFitNamingTheWorker() throws Exception {
    try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
      Fit tooMany = FIT.distribution(Distribution.multiWorker(workers.addresses()).workerInput(STEPS + 1));
      long start = System.nanoTime();
      WorkerFailedException e = catchThrowableOfType(() -> model.fit(tooMany), WorkerFailedException.class);
      System.out.printf("short input reported after %.2f s: %s%n", (System.nanoTime() - start) / 1e9, e.getMessage());
      assertThat(e.getMessage()).contains("worker " + e.worker() + " (" + workers.addresses().get(e.worker()) + "): its"
          + " input failed").contains("ended after " + STEPS + " batches of epoch 0; the fit takes " + (STEPS + 1)
          + " steps per epoch");
      assertThat((System.nanoTime() - start) / 1e9).isLessThan(15);
    } finally {
      workers.killAll();
      workers.startAll();
    }
  }

  @Test
  void aWorkerWhoseInputFailsFailsTheFitNamingItAndTheCause() throws Exception {
    try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
      long start = System.nanoTime();
      WorkerFailedException e = catchThrowableOfType(() -> model.fit(onWorkers().shuffleSeed(ShardFilesInput.FAILING_SEED)),
          WorkerFailedException.class);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("failed input reported after %.2f s: %s%n", seconds, e.getMessage());
      assertThat(e.worker()).isEqualTo(ShardFilesInput.FAILING_WORKER);
      assertThat(e.getMessage()).contains("worker 1 (" + workers.addresses().get(1) + "): its input failed")
          .contains(ShardFilesInput.BROKEN);
      assertThat(seconds).isLessThan(10);
      assertThat(model.step()).isZero();
    } finally {
      workers.killAll(); // the others' collectives were aborted
      workers.startAll();
    }
  }
}
