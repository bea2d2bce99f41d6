package dev.topiary.dsl.runtime;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Model;
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
  private final Model model;
  private final Executor executor;
  private final Fit fit;
  private final TrainingData data;
  private final @Nullable Supplier<Map<String, Double>> validation;
  private boolean stopRequested;
  private int batches;
  private long step;
  private Map<String, Double> batchLogs = Map.of();

  /**
   * A fit on {@code data} whose steps run on {@code executor}; {@code model} (bound to that executor)
   * is what callbacks see; {@code validation} (if any) evaluates the validation data after each epoch.
   */
  Trainer(Model model, Executor executor, Fit fit, TrainingData data,
      @Nullable Supplier<Map<String, Double>> validation) {
    this.model = model;
    this.executor = executor;
    this.fit = fit;
    this.data = data;
    this.validation = validation;
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
      if (executor.step() != c.step()) {
        throw new IllegalArgumentException("restore the checkpoint into the model before resuming: the model is at step "
            + executor.step() + ", the checkpoint at step " + c.step());
      }
      firstEpoch = c.epoch();
      firstBatch = c.batch();
    }
    BuiltInCallbacks.History history = new BuiltInCallbacks.History();
    CallbackList callbacks = new CallbackList(BuiltInCallbacks.forFit(fit, executor, history, fingerprint));
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
    int trained = 0;
    try (TrainingData.Steps steps = data.steps(epoch, firstBatch)) {
      for (int b = firstBatch; steps.hasNext() && !stopRequested; b++) {
        callbacks.onBatchBegin(epoch, b, this);
        Executor.TrainedBatch batch = steps.train(step);
        batchLogs = Collections.unmodifiableMap(batch.logs());
        step++;
        trained++;
        running.add(batchLogs, batch.examples());
        callbacks.onBatchEnd(epoch, b, running.means(), this);
      }
    }
    if (trained == 0 && firstBatch == 0 && !stopRequested) {
      // An epoch without a step would end the fit with a history of nothing; an empty array is refused
      // up front, an empty generator only shows here.
      throw new IllegalArgumentException("the training data gave no batches in epoch " + (epoch + 1)
          + ": a dataset must give at least one batch per epoch");
    }
    return endEpoch(epoch, running, callbacks);
  }

  private Map<String, Double> endEpoch(int epoch, BatchLayout.Averages running, CallbackList callbacks) {
    batches = data.batchesPerEpoch();
    Map<String, Double> logs = new LinkedHashMap<>(running.means());
    if (validation != null) {
      validation.get().forEach((k, v) -> logs.put("val_" + k, v));
    }
    Double sparsity = BatchLayout.overallSparsity(model.spec(), executor.sparsity());
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
