package dev.topiary.dsl.runtime;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The fit loop, backend-neutral: takes each epoch's batches from its {@link TrainingData}, runs the
 * training steps through the {@link Executor}, averages the logs, and tells one list of callbacks
 * every event. Progress, history, TensorBoard, checkpoints and the NaN stop are such callbacks
 * ({@link BuiltInCallbacks}), listed before the user's; nothing else happens in the loop.
 */
final class Trainer implements Callback.TrainingContext {
  private final RuntimeModel model;
  private final Executor executor;
  private final Fit fit;
  private final TrainingData data;
  private final @Nullable Supplier<Map<String, Double>> validation;
  private final boolean checkBatches;
  private boolean stopRequested;
  private int batches;
  private long step;
  private Map<String, Double> batchLogs = Map.of();

  /**
   * A fit of {@code model} on {@code data}; {@code validation} (if any) evaluates the validation
   * data after each epoch; {@code checkBatches} checks every batch against the model (data that was
   * not checked up front).
   */
  Trainer(RuntimeModel model, Executor executor, Fit fit, TrainingData data,
      @Nullable Supplier<Map<String, Double>> validation, boolean checkBatches) {
    this.model = model;
    this.executor = executor;
    this.fit = fit;
    this.data = data;
    this.validation = validation;
    this.checkBatches = checkBatches;
  }

  History run() {
    batches = data.batchesPerEpoch();
    String fingerprint = data.fingerprint();
    int firstEpoch = 0;
    int firstBatch = 0;
    if (fit.resumeFrom() != null) {
      Checkpoint c = fit.resumeFrom();
      if (!c.fingerprint().equals(fingerprint)) {
        throw new IllegalArgumentException("the checkpoint was taken with other training settings or data ("
            + c.fingerprint() + ") than this fit (" + fingerprint + ")");
      }
      if (model.step() != c.step()) {
        throw new IllegalArgumentException("restore the checkpoint into the model before resuming: the model is at step "
            + model.step() + ", the checkpoint at step " + c.step());
      }
      firstEpoch = c.epoch();
      firstBatch = c.batch();
    }
    BuiltInCallbacks.History history = new BuiltInCallbacks.History();
    CallbackList callbacks = new CallbackList(BuiltInCallbacks.forFit(fit, model, history, fingerprint));
    executor.beginTraining();
    Map<String, Double> last = Map.of();
    try {
      step = executor.step();
      callbacks.onTrainBegin(this);
      for (int epoch = firstEpoch; epoch < fit.epochs() && !stopRequested; epoch++) {
        last = runEpoch(epoch, epoch == firstEpoch ? firstBatch : 0, callbacks);
      }
    } catch (RuntimeException | Error e) {
      try {
        callbacks.onTrainEnd(last, this);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      executor.endTraining();
      throw e;
    }
    callbacks.onTrainEnd(last, this);
    executor.endTraining();
    return history.result();
  }

  private Map<String, Double> runEpoch(int epoch, int firstBatch, CallbackList callbacks) {
    callbacks.onEpochBegin(epoch, this);
    BatchLayout.Averages running = new BatchLayout.Averages();
    if (data instanceof TrainingData.OnWorkers workers) {
      // The workers read the batches: each step names the batch, the workers' feeds hold it.
      for (int b = firstBatch; b < workers.stepsPerEpoch() && !stopRequested; b++) {
        callbacks.onBatchBegin(epoch, b, this);
        Executor.TrainedBatch trained = executor.trainOnWorkers(new Executor.WorkerStep(epoch, b, step,
            workers.globalBatch(), workers.stepsPerEpoch(), workers.seed()));
        batchLogs = Collections.unmodifiableMap(trained.logs());
        step++;
        running.add(batchLogs, trained.examples());
        callbacks.onBatchEnd(epoch, b, running.means(), this);
      }
      return endEpoch(epoch, running, callbacks);
    }
    try (Dataset.Batches it = data.batches(epoch)) {
      for (int b = 0; it.hasNext() && !stopRequested; b++) {
        Batch batch = it.next();
        if (b < firstBatch) {
          continue; // resumed mid-epoch: these batches were trained before the checkpoint
        }
        callbacks.onBatchBegin(epoch, b, this);
        List<HostArray> x = model.layout().inputs(batch);
        List<HostArray> y = model.layout().labels(batch);
        if (checkBatches) {
          model.checkData(x, y, "training");
        }
        batchLogs = Collections.unmodifiableMap(executor.trainBatch(x, y, BatchLayout.weights(batch, y, fit.classWeights()), step));
        step++;
        running.add(batchLogs, batch.examples());
        callbacks.onBatchEnd(epoch, b, running.means(), this);
      }
    }
    return endEpoch(epoch, running, callbacks);
  }

  private Map<String, Double> endEpoch(int epoch, BatchLayout.Averages running, CallbackList callbacks) {
    batches = data.batchesPerEpoch();
    Map<String, Double> logs = new LinkedHashMap<>(running.means());
    if (validation != null) {
      validation.get().forEach((k, v) -> logs.put("val_" + k, v));
    }
    Double sparsity = model.overallSparsity();
    if (sparsity != null) {
      logs.put("sparsity", sparsity);
    }
    Map<String, Double> epochLogs = Collections.unmodifiableMap(logs);
    callbacks.onEpochEnd(epoch, epochLogs, this);
    return epochLogs;
  }

  // ---- what callbacks see ---------------------------------------------------------------------

  @Override
  public Model model() {
    return model;
  }

  @Override
  public void stopTraining() {
    stopRequested = true;
  }

  @Override
  public boolean stopRequested() {
    return stopRequested;
  }

  @Override
  public Fit fit() {
    return fit;
  }

  @Override
  public int batchesPerEpoch() {
    return batches;
  }

  @Override
  public long step() {
    return step;
  }

  @Override
  public Map<String, Double> batchLogs() {
    return batchLogs;
  }

  /** Callbacks in order, each told every event. */
  private record CallbackList(List<Callback> callbacks) implements Callback {
    CallbackList {
      callbacks = new ArrayList<>(callbacks);
    }

    @Override
    public void onTrainBegin(TrainingContext context) {
      callbacks.forEach(c -> c.onTrainBegin(context));
    }

    @Override
    public void onEpochBegin(int epoch, TrainingContext context) {
      callbacks.forEach(c -> c.onEpochBegin(epoch, context));
    }

    @Override
    public void onBatchBegin(int epoch, int batch, TrainingContext context) {
      callbacks.forEach(c -> c.onBatchBegin(epoch, batch, context));
    }

    @Override
    public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
      callbacks.forEach(c -> c.onBatchEnd(epoch, batch, logs, context));
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
      callbacks.forEach(c -> c.onEpochEnd(epoch, logs, context));
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs, TrainingContext context) {
      callbacks.forEach(c -> c.onTrainEnd(logs, context));
    }
  }
}
