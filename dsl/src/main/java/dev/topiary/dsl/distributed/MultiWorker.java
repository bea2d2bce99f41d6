package dev.topiary.dsl.distributed;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.runtime.Executor;
import dev.topiary.dsl.runtime.FitPlacement;
import dev.topiary.dsl.runtime.TrainingData;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Synchronous data-parallel training over the TF servers at {@code workers}, each started with
 * {@link Worker} ({@link Distribution#multiWorker}). Like TF Model Optimization's {@code tf.distribute}
 * support, it requires graph execution.
 *
 * @param workers the cluster, in task order (checked as {@link Cluster} checks it: no duplicates, no
 *     mix of loopback and external addresses)
 * @param timeout how long any one operation may wait on the workers (TF's
 *     {@code operation_timeout_in_ms} and the collectives' timeout): a hung worker fails the fit
 *     after it; a dead one fails it within about a second
 * @param workerInputSteps 0: the chief reads the data and sends each worker its share of every
 *     batch; otherwise every worker reads its own data (the {@code WorkerInput} its launcher was
 *     given, {@code --input}) and the fit runs this many steps per epoch
 */
public record MultiWorker(List<String> workers, Duration timeout, int workerInputSteps) implements Distribution {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final System.Logger LOG = System.getLogger("dev.topiary");

  public MultiWorker {
    if (workers == null || workers.isEmpty()) {
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

  /** The workers at {@code workers} (host:port, in task order), the chief feeding them, the default timeout. */
  public static MultiWorker of(List<String> workers) {
    return new MultiWorker(workers == null ? List.of() : List.copyOf(workers), DEFAULT_TIMEOUT, 0);
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

  /**
   * Checks the cluster, builds one replica per worker and loads {@code local}'s state into them:
   * every call during the fit (callbacks, checkpoints, validation) reaches the replicas, and a fit
   * that ends normally brings the state back. A failed one leaves the model as it was before the
   * fit: resume from the chief's checkpoint.
   */
  @Override
  public FitPlacement place(ModelSpec spec, Compile compile, Executor local) {
    if (local.mode() == ExecutionMode.EAGER) {
      throw new UnsupportedOperationException("distributed training requires graph execution: build the model with"
          + " ModelSpec.compile(...) (graph) to train with " + this);
    }
    DistributedExecutor replicas = DistributedExecutor.start(spec, compile, this);
    try {
      replicas.restore(local.snapshot());
    } catch (RuntimeException | Error e) {
      replicas.close();
      throw e;
    }
    return new FitPlacement() {
      private boolean committed;

      @Override
      public Executor executor() {
        return replicas;
      }

      @Override
      public @Nullable TrainingData ownData(Fit fit, long seed) {
        if (!readsOnWorkers()) {
          return null;
        }
        if (fit.validationSplit() > 0) {
          throw new IllegalArgumentException("a validation split needs arrays on the chief; with worker input, give"
              + " validation data (Fit.validationData)");
        }
        if (fit.sampleWeights() != null || !fit.classWeights().isEmpty()) {
          throw new IllegalArgumentException("with worker input, sample weights come in the workers' batches (class"
              + " weights and Fit.sampleWeights are not sent to the workers)");
        }
        return replicas.workerData(workerInputSteps, fit.batchSize(), seed);
      }

      @Override
      public void commit() {
        replicas.verifyReplicasIdentical();
        local.restore(replicas.snapshot());
        committed = true;
      }

      @Override
      public void close() {
        if (!committed) {
          LOG.log(System.Logger.Level.WARNING, "multi-worker fit failed; the model keeps its state from before the fit");
        }
        replicas.close();
      }
    };
  }
}
