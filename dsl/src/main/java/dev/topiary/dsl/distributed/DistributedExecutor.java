package dev.topiary.dsl.distributed;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.runtime.Executor;
import dev.topiary.dsl.runtime.GraphExecutor;
import dev.topiary.dsl.runtime.TrainingData;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.training.Compile;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The executor of a multi-worker fit: synchronous data-parallel training on TF's own runtime. One
 * {@link GraphExecutor} replica per worker — the model's usual graph, built once, placed on that
 * worker and run in a session there — whose gradients meet in a collective all-reduce
 * ({@link AllReduce}). The fit loop ({@code Trainer}) is unchanged: it hands over each global batch,
 * which is split here, example {@code j} to replica {@code j % workers} (each worker's share is
 * {@code Dataset.shard(workers, i)} of the batch), and the replicas run their steps concurrently.
 * Every replica applies the same update to bit-identical state, so pruning masks, thresholds and the
 * step counter are the same everywhere; state reads and inference use replica 0 (the chief writes
 * checkpoints from it).
 *
 * <p>With worker input ({@code Distribution...workerInput(steps)}) the chief holds no batches: each
 * replica's graph dequeues its batch on its worker, from the queue that worker's own input fills
 * ({@link InputChannel}, {@link WorkerFeeder}); the first step asks every worker for its batches from
 * the fit's epoch and batch on, and the logs are weighted by the examples each worker trained on.
 *
 * <p>Failures: while a step runs, the workers are probed twice a second; a dead worker fails the step
 * within about a second with a {@link WorkerFailedException} naming it, a hung one after the
 * distribution's timeout.
 */
public final class DistributedExecutor implements Executor {
  private static final long PROBE_EVERY_MILLIS = 500;
  /** How long a live worker may take to answer a call about itself before it counts as hung. */
  private static final Duration UNRESPONSIVE_AFTER = Duration.ofSeconds(3);
  private final Cluster cluster;
  private final Duration timeout;
  private final List<GraphExecutor> replicas = new ArrayList<>();
  private final List<AllReduce> replications = new ArrayList<>();
  /** This fit's id when the workers read their own data (names its queues on the workers), else null. */
  private final @Nullable String inputFit;
  private final int inputs;
  /** The next (epoch, batch) the workers' feeds give, once started; null before the first step. */
  private int @Nullable [] nextWorkerBatch;
  private final long bytesPerStep;
  private final ExecutorService pool;
  private volatile boolean failed;

  private DistributedExecutor(ModelSpec spec, Compile compile, Cluster cluster, Duration timeout, boolean workerInput) {
    this.cluster = cluster;
    this.timeout = timeout;
    this.inputs = spec.inputs().size();
    this.inputFit = workerInput ? "fit-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE) : null;
    this.pool = Executors.newFixedThreadPool(cluster.size(), r -> {
      Thread t = new Thread(r, "topiary-replica");
      t.setDaemon(true);
      return t;
    });
    int groupKey = new SecureRandom().nextInt(1 << 30) + 1;
    long floats = 0;
    try {
      for (int i = 0; i < cluster.size(); i++) {
        AllReduce replication = new AllReduce(cluster, i, groupKey, timeout, inputFit);
        replications.add(replication);
        try {
          replicas.add(GraphExecutor.replica(spec, compile, replication));
        } catch (RuntimeException e) {
          throw failure(i, "building replica " + i, e);
        }
        floats = replication.floatsPerStep();
      }
    } catch (RuntimeException e) {
      replicas.forEach(GraphExecutor::close);
      pool.shutdownNow();
      throw e;
    }
    this.bytesPerStep = floats * Float.BYTES;
  }

  /**
   * Checks the cluster (reachable, started with this cluster, consistent) and builds one replica per
   * worker, each initialized from the compile seed.
   */
  public static DistributedExecutor start(ModelSpec spec, Compile compile, MultiWorker distribution) {
    Cluster cluster = new Cluster(distribution.workers());
    ClusterCheck.verify(cluster, distribution.timeout());
    return new DistributedExecutor(spec, compile, cluster, distribution.timeout(), distribution.readsOnWorkers());
  }

  public Cluster cluster() {
    return cluster;
  }

  /** Bytes each replica sends into the all-reduce per training step (gradients, statistics, counts). */
  public long bytesAllReducedPerStep() {
    return bytesPerStep;
  }

  /** Every replica's whole state, in worker order (they are bit-identical after every step). */
  public List<Snapshot> replicaSnapshots() {
    return onAll("reading the state", i -> replicas.get(i).snapshot());
  }

  /**
   * Fails naming the first variable and worker whose state differs from worker 0's, bit for bit (run
   * at the end of each fit: a nondeterministic op or a missed update would show here).
   */
  public void verifyReplicasIdentical() {
    List<Snapshot> states = replicaSnapshots();
    Map<String, HostArray> reference = states.get(0).variables();
    for (int i = 1; i < states.size(); i++) {
      for (var e : reference.entrySet()) {
        if (!e.getValue().equals(states.get(i).variables().get(e.getKey()))) {
          throw new IllegalStateException("replicas diverged: variable '" + e.getKey() + "' on worker " + i + " ("
              + cluster.address(i) + ") differs from worker 0's");
        }
      }
    }
  }

  @Override
  public ExecutionMode mode() {
    return ExecutionMode.GRAPH;
  }

  @Override
  public Map<String, Double> trainBatch(List<HostArray> inputs, List<HostArray> labels,
      @Nullable HostArray sampleWeights, long step) {
    int examples = inputs.get(0).examples();
    int n = replicas.size();
    if (examples < n) {
      throw new IllegalArgumentException("a batch of " + examples + " examples cannot be split over " + n + " workers:"
          + " use a batch size of at least " + n + " and drop short last batches (Dataset.batch(size, Remainder.DROP))");
    }
    List<int[]> shards = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] idx = new int[(examples - i + n - 1) / n];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = i + k * n;
      }
      shards.add(idx);
    }
    List<Map<String, Double>> logs = onAll("training step " + step, i -> {
      int[] idx = shards.get(i);
      return replicas.get(i).trainBatch(gather(inputs, idx), gather(labels, idx),
          sampleWeights == null ? null : sampleWeights.gather(idx), step);
    });
    List<TrainedBatch> trained = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      trained.add(new TrainedBatch(logs.get(i), shards.get(i).length));
    }
    return combined(trained).logs();
  }

  /**
   * A fit's data when the workers read it themselves: {@code stepsPerEpoch} steps per epoch of a
   * global batch of {@code globalBatch} examples, shuffled by {@code seed} (handed to the workers'
   * inputs). The chief holds no batches: each step names the batch, the workers' feeds hold it.
   */
  TrainingData workerData(int stepsPerEpoch, int globalBatch, long seed) {
    return new TrainingData() {
      @Override
      public Steps steps(int epoch, int firstBatch) {
        return new Steps() {
          private int batch = firstBatch;

          @Override
          public boolean hasNext() {
            return batch < stepsPerEpoch;
          }

          @Override
          public TrainedBatch train(long step) {
            return trainOnWorkers(new WorkerStep(epoch, batch++, step, globalBatch, stepsPerEpoch, seed));
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public int batchesPerEpoch() {
        return stepsPerEpoch;
      }

      @Override
      public String fingerprint() {
        return "workerInput,workers=" + replicas.size() + ",steps=" + stepsPerEpoch + ",batch=" + globalBatch
            + ",seed=" + seed;
      }
    };
  }

  /**
   * Step {@code step} of a fit whose workers read their own data: batch {@code batch} of epoch
   * {@code epoch}, a global batch of {@code globalBatch} examples, {@code stepsPerEpoch} steps per
   * epoch, shuffle seed {@code seed} (for the workers' datasets).
   */
  private record WorkerStep(int epoch, int batch, long step, int globalBatch, int stepsPerEpoch, long seed) {}

  private TrainedBatch trainOnWorkers(WorkerStep s) {
    if (inputFit == null) {
      throw new IllegalStateException("this multi-worker fit is fed by the chief: use Distribution.multiWorker(...)"
          + ".workerInput(stepsPerEpoch) for workers that read their own data");
    }
    if (nextWorkerBatch == null) {
      startWorkerInput(s);
      nextWorkerBatch = new int[] {s.epoch(), s.batch()};
    }
    if (nextWorkerBatch[0] != s.epoch() || nextWorkerBatch[1] != s.batch()) {
      throw new IllegalStateException("the workers feed batch " + nextWorkerBatch[1] + " of epoch " + nextWorkerBatch[0]
          + " next, the fit asked for batch " + s.batch() + " of epoch " + s.epoch());
    }
    List<TrainedBatch> results = onAll("training step " + s.step(), i -> replicas.get(i).trainWorkerBatch(s.step()));
    nextWorkerBatch = s.batch() + 1 < s.stepsPerEpoch() ? new int[] {s.epoch(), s.batch() + 1}
        : new int[] {s.epoch() + 1, 0};
    return combined(results);
  }

  /**
   * The replicas' step results as one global batch's: every log is a batch mean, so the global one is
   * the example-weighted mean of the replicas'.
   */
  private static TrainedBatch combined(List<TrainedBatch> results) {
    int examples = 0;
    for (TrainedBatch r : results) {
      examples += r.examples();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (TrainedBatch r : results) {
      double share = (double) r.examples() / examples;
      r.logs().forEach((k, v) -> out.merge(k, v * share, Double::sum));
    }
    return new TrainedBatch(out, examples);
  }

  /** Asks every worker for its batches from {@code s} on and waits until each has opened its input. */
  private void startWorkerInput(WorkerStep s) {
    int n = replicas.size();
    if (s.globalBatch() % n != 0) {
      throw new IllegalArgumentException("with worker input the global batch (" + s.globalBatch() + ") must be a"
          + " multiple of the " + n + " workers: each reads batch / workers examples per step");
    }
    for (int i = 0; i < n; i++) {
      AllReduce r = replications.get(i);
      InputChannel.Request request = new InputChannel.Request(inputFit, i, n, s.epoch(), s.batch(), s.globalBatch() / n,
          s.stepsPerEpoch(), s.seed(), inputs, r.labelTypes(inputs));
      try {
        r.requestInput(request);
      } catch (RuntimeException e) {
        throw failure(i, "asking for its input", e);
      }
    }
    for (int i = 0; i < n; i++) {
      String status;
      try {
        status = replications.get(i).awaitStatus(timeout);
      } catch (RuntimeException e) {
        WorkerFailedException dead = deadWorker("starting the workers' input", e);
        throw dead != null ? dead : new WorkerFailedException(i, cluster.address(i), "worker " + i + " ("
            + cluster.address(i) + ") did not open its input within " + timeout + " (" + e.getMessage() + ")", e);
      }
      if (!status.equals(InputChannel.OK)) {
        throw new WorkerFailedException(i, cluster.address(i), "worker " + i + " (" + cluster.address(i)
            + "): its input failed: " + status.substring(Math.min(status.length(), InputChannel.ERROR.length())), null);
      }
    }
  }

  /** The first worker whose input reported a failure, as the failure of the fit; null if none did. */
  private @Nullable WorkerFailedException inputFailure(String what, @Nullable Throwable cause) {
    if (inputFit == null || nextWorkerBatch == null) {
      return null;
    }
    for (int i = 0; i < cluster.size(); i++) {
      String status;
      try {
        status = replications.get(i).pendingStatus(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        continue;
      }
      if (status != null && status.startsWith(InputChannel.ERROR)) {
        return new WorkerFailedException(i, cluster.address(i), "worker " + i + " (" + cluster.address(i) + "): its"
            + " input failed during " + what + ": " + status.substring(InputChannel.ERROR.length()) + "; "
            + restartAdvice(), cause);
      }
    }
    return null;
  }

  private static List<HostArray> gather(List<HostArray> arrays, int[] idx) {
    return arrays.stream().map(a -> a.gather(idx)).toList();
  }

  /** Runs {@code call} on every replica at once; a failure names its worker (the dead one, if any). */
  private <T> List<T> onAll(String what, IntFunction<T> call) {
    requireHealthy();
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      int task = i;
      futures.add(pool.submit(() -> call.apply(task)));
    }
    List<T> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
    for (int i = 0; i < futures.size(); i++) {
      while (true) {
        try {
          out.add(futures.get(i).get(PROBE_EVERY_MILLIS, TimeUnit.MILLISECONDS));
          break;
        } catch (TimeoutException e) {
          WorkerFailedException dead = deadWorker(what, null);
          if (dead != null) {
            throw dead;
          }
          // Another replica failed already (its worker's input, say): do not wait for this one's timeout.
          for (int j = i + 1; j < futures.size(); j++) {
            if (futures.get(j).isDone()) {
              try {
                futures.get(j).get();
              } catch (ExecutionException failedEarly) {
                throw failure(j, what, failedEarly.getCause());
              } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                failed = true;
                throw new IllegalStateException("interrupted during " + what, interrupted);
              }
            }
          }
          if (System.nanoTime() > deadline) {
            throw failure(i, what + " (no answer within " + timeout + ")", e);
          }
        } catch (ExecutionException e) {
          throw failure(i, what, e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failed = true;
          throw new IllegalStateException("interrupted during " + what, e);
        }
      }
    }
    return out;
  }

  private @Nullable WorkerFailedException deadWorker(String what, @Nullable Throwable cause) {
    for (int i = 0; i < cluster.size(); i++) {
      String unreachable = ClusterCheck.probe(cluster.address(i));
      if (unreachable != null) {
        failed = true;
        return new WorkerFailedException(i, cluster.address(i), "worker " + i + " (" + cluster.address(i) + ") is"
            + " unreachable (" + unreachable + ") during " + what + "; " + restartAdvice(), cause);
      }
    }
    return null;
  }

  /**
   * The failure of {@code worker}, unless another worker is dead or does not answer (then that one is
   * to blame: its peers' collectives fail because of it).
   */
  private WorkerFailedException failure(int worker, String what, Throwable cause) {
    WorkerFailedException dead = deadWorker(what, cause);
    failed = true;
    if (dead != null) {
      return dead;
    }
    WorkerFailedException input = inputFailure(what, cause);
    if (input != null) {
      return input;
    }
    int hung = ClusterCheck.unresponsive(cluster, timeout, UNRESPONSIVE_AFTER);
    if (hung >= 0) {
      return new WorkerFailedException(hung, cluster.address(hung), "worker " + hung + " (" + cluster.address(hung)
          + ") does not answer (hung, stopped or overloaded) during " + what + "; " + restartAdvice(), cause);
    }
    return new WorkerFailedException(worker, cluster.address(worker), "worker " + worker + " ("
        + cluster.address(worker) + "): " + what + " failed: " + cause.getMessage() + "; " + restartAdvice(), cause);
  }

  private String restartAdvice() {
    return "a failed collective aborts TF's collective runtime on every worker it reached, so restart all "
        + cluster.size() + " workers (" + ClusterCheck.command(cluster, 0).replace("--index 0", "--index i")
        + (inputFit == null ? "" : " and the same --input") + ") and resume from the last checkpoint with Fit.resumeFrom";
  }

  /** Stops the workers' feeds of this fit (their waiting enqueues are cancelled). */
  private void closeWorkerInput() {
    if (inputFit == null) {
      return;
    }
    for (AllReduce r : replications) {
      try {
        r.closeInput(Duration.ofSeconds(2));
      } catch (RuntimeException ignored) {
        // a dead worker: its feed died with it
      }
    }
  }

  private void requireHealthy() {
    if (failed) {
      throw new IllegalStateException("this multi-worker fit already failed; restart the workers and resume from the"
          + " last checkpoint");
    }
  }

  @Override
  public Map<String, Double> testBatch(List<HostArray> inputs, List<HostArray> labels, @Nullable HostArray sampleWeights) {
    return replicas.get(0).testBatch(inputs, labels, sampleWeights);
  }

  @Override
  public List<HostArray> predictBatch(List<HostArray> inputs) {
    return replicas.get(0).predictBatch(inputs);
  }

  @Override
  public float trainingLoss(List<HostArray> inputs, List<HostArray> labels) {
    // On every replica: the training pass may advance the pruning state, which must stay identical.
    return onAll("the training loss", i -> replicas.get(i).trainingLoss(inputs, labels)).get(0);
  }

  @Override
  public Map<String, HostArray> weights() {
    return replicas.get(0).weights();
  }

  @Override
  public void loadWeights(Map<String, HostArray> weights) {
    onAll("loading weights", i -> {
      replicas.get(i).loadWeights(weights);
      return null;
    });
  }

  @Override
  public Map<String, StateContract.Layout> stateLayout() {
    return replicas.get(0).stateLayout();
  }

  @Override
  public Snapshot snapshot() {
    return replicas.get(0).snapshot();
  }

  @Override
  public HostArray read(String variable) {
    return replicas.get(0).read(variable);
  }

  @Override
  public void restore(Snapshot snapshot) {
    onAll("restoring the state", i -> {
      replicas.get(i).restore(snapshot);
      return null;
    });
  }

  @Override
  public Map<String, Double> sparsity() {
    return replicas.get(0).sparsity();
  }

  @Override
  public Map<String, Double> pruningSummaries() {
    return replicas.get(0).pruningSummaries();
  }

  @Override
  public long step() {
    return replicas.get(0).step();
  }

  @Override
  public Operand<TFloat32> call(Operand<TFloat32> input) {
    throw new UnsupportedOperationException("model.call(operand) during a multi-worker fit: call it after fit returns");
  }

  /**
   * Closes every replica. After a failure the surviving replicas' sessions may still wait for their
   * timeout (TF Java cannot cancel a run), so they are closed in the background.
   */
  @Override
  public void close() {
    pool.shutdownNow();
    if (!failed) {
      closeWorkerInput();
      replicas.forEach(GraphExecutor::close);
      return;
    }
    Thread closer = new Thread(() -> {
      closeWorkerInput();
      replicas.forEach(r -> {
      try {
        r.close();
      } catch (RuntimeException ignored) {
        // a dead worker's session: nothing left to free there
      }
      });
    }, "topiary-replica-close");
    closer.setDaemon(true);
    closer.start();
  }
}
