package dev.topiary.dsl.training;

import dev.topiary.dsl.distributed.Cluster;
import java.time.Duration;
import java.util.List;

/**
 * Where training runs: this process ({@link #local()}) or synchronous data-parallel training on TF
 * servers started with {@code dev.topiary.dsl.distributed.Worker} ({@link #multiWorker}). Like TF
 * Model Optimization's {@code tf.distribute} support, distributed training requires graph execution.
 */
public sealed interface Distribution permits Distribution.Local, Distribution.MultiWorker {

  /** One process, this machine (the default). */
  static Distribution local() {
    return Local.INSTANCE;
  }

  /**
   * Synchronous data-parallel training over the TF servers at {@code workers} (host:port, in task
   * order, exactly as each worker was started with {@code --cluster}); the fit's batch size is the
   * global batch, split over the workers.
   */
  static MultiWorker multiWorker(List<String> workers) {
    return new MultiWorker(List.copyOf(workers), MultiWorker.DEFAULT_TIMEOUT, 0);
  }

  /** {@link #multiWorker(List)} from {@code host:port} strings. */
  static MultiWorker multiWorker(String... workers) {
    return multiWorker(List.of(workers));
  }

  final class Local implements Distribution {
    static final Local INSTANCE = new Local();

    private Local() {}

    @Override
    public String toString() {
      return "local";
    }
  }

  /**
   * @param workers the cluster, in task order (checked as {@link Cluster} checks it: no duplicates, no
   *     mix of loopback and external addresses)
   * @param timeout how long any one operation may wait on the workers (TF's
   *     {@code operation_timeout_in_ms} and the collectives' timeout): a hung worker fails the fit
   *     after it; a dead one fails it within about a second
   * @param workerInputSteps 0: the chief reads the data and sends each worker its share of every
   *     batch; otherwise every worker reads its own data (the {@code WorkerInput} its launcher was
   *     given, {@code --input}) and the fit runs this many steps per epoch
   */
  record MultiWorker(List<String> workers, Duration timeout, int workerInputSteps) implements Distribution {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public MultiWorker {
      if (workers.isEmpty()) {
        throw new IllegalArgumentException("a multi-worker strategy needs at least one worker address");
      }
      workers = new Cluster(workers).workers();
      if (timeout == null || timeout.toMillis() < 100) {
        throw new IllegalArgumentException("the multi-worker timeout must be at least 100 ms, got " + timeout);
      }
      if (workerInputSteps < 0) {
        throw new IllegalArgumentException("steps per epoch of worker input must be positive, got " + workerInputSteps);
      }
    }

    /** The same workers with another operation timeout. */
    public MultiWorker withTimeout(Duration timeout) {
      return new MultiWorker(workers, timeout, workerInputSteps);
    }

    /**
     * The same workers, each reading its own data: worker {@code i}'s launcher opens its
     * {@code WorkerInput} ({@code --input com.acme.MyInput}) and every step trains on one batch of
     * {@code batchSize / workers} examples from each worker ({@code Fit.batchSize} stays the global
     * batch). Every worker must give {@code stepsPerEpoch} batches per epoch; the chief sends no data.
     * Fit with {@code model.fit(fit)}.
     */
    public MultiWorker workerInput(int stepsPerEpoch) {
      if (stepsPerEpoch <= 0) {
        throw new IllegalArgumentException("steps per epoch of worker input must be positive, got " + stepsPerEpoch);
      }
      return new MultiWorker(workers, timeout, stepsPerEpoch);
    }

    /** Whether the workers read their own data ({@link #workerInput(int)}). */
    public boolean readsOnWorkers() {
      return workerInputSteps > 0;
    }
  }
}
