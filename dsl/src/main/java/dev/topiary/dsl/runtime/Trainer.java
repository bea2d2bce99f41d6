package dev.topiary.dsl.runtime;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.Seeds;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The fit loop, backend-neutral: splits off validation data, orders each epoch's examples, runs the
 * training steps through the {@link Executor}, averages the logs, and tells one list of callbacks
 * every event. Progress, history, TensorBoard, checkpoints and the NaN stop are such callbacks
 * ({@link BuiltInCallbacks}), listed before the user's; nothing else happens in the loop.
 */
final class Trainer implements Callback.TrainingContext {
  private final RuntimeModel model;
  private final Executor executor;
  private final Fit fit;
  private boolean stopRequested;
  private int batches;
  private long step;
  private Map<String, Double> batchLogs = Map.of();

  Trainer(RuntimeModel model, Executor executor, Fit fit) {
    this.model = model;
    this.executor = executor;
    this.fit = fit;
  }

  History run(List<HostArray> inputs, List<HostArray> labels) {
    int examples = model.checkData(inputs, labels, "training");
    List<HostArray> trainX = inputs;
    List<HostArray> trainY = labels;
    List<HostArray> valX = fit.validationInputs();
    List<HostArray> valY = fit.validationLabels();
    if (fit.validationSplit() > 0) {
      int held = (int) (examples * fit.validationSplit());
      int kept = examples - held;
      if (held == 0 || kept == 0) {
        throw new IllegalArgumentException("validation split " + fit.validationSplit() + " of " + examples
            + " examples leaves " + kept + " for training and " + held + " for validation");
      }
      trainX = RuntimeModel.slice(inputs, 0, kept);
      trainY = RuntimeModel.slice(labels, 0, kept);
      valX = RuntimeModel.slice(inputs, kept, examples);
      valY = RuntimeModel.slice(labels, kept, examples);
      examples = kept;
    }
    if (valX != null) {
      model.checkData(valX, valY, "validation");
    }
    long seed = fit.shuffleSeed() != null ? fit.shuffleSeed() : model.compileSettings().seed();
    // Written without (examples + batch - 1): that overflows for a batch size near Integer.MAX_VALUE.
    batches = examples / fit.batchSize() + (examples % fit.batchSize() == 0 ? 0 : 1);
    String fingerprint = "examples=" + examples + ",batch=" + fit.batchSize() + ",split=" + fit.validationSplit()
        + ",shuffle=" + fit.shuffle() + ",seed=" + seed;
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
        last = runEpoch(epoch, epoch == firstEpoch ? firstBatch : 0, examples, seed, trainX, trainY, valX, valY,
            callbacks);
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

  private Map<String, Double> runEpoch(int epoch, int firstBatch, int examples, long seed, List<HostArray> x,
      List<HostArray> y, List<HostArray> valX, List<HostArray> valY, CallbackList callbacks) {
    callbacks.onEpochBegin(epoch, this);
    // Each epoch's order depends only on (seed, epoch), so a resumed run sees the same batches.
    int[] order = order(examples, fit.shuffle(), seed, epoch);
    RuntimeModel.Averages running = new RuntimeModel.Averages();
    for (int b = firstBatch; b < batches && !stopRequested; b++) {
      callbacks.onBatchBegin(epoch, b, this);
      int from = (int) Math.min(examples, (long) b * fit.batchSize());
      int to = (int) Math.min(examples, (long) (b + 1) * fit.batchSize());
      int[] idx = Arrays.copyOfRange(order, from, to);
      batchLogs = Collections.unmodifiableMap(executor.trainBatch(RuntimeModel.gather(x, idx),
          RuntimeModel.gather(y, idx), step));
      step++;
      running.add(batchLogs, idx.length);
      callbacks.onBatchEnd(epoch, b, running.means(), this);
    }
    Map<String, Double> logs = new LinkedHashMap<>(running.means());
    if (valX != null) {
      model.evaluate(valX, valY, Math.max(fit.batchSize(), 128)).forEach((k, v) -> logs.put("val_" + k, v));
    }
    Double sparsity = model.overallSparsity();
    if (sparsity != null) {
      logs.put("sparsity", sparsity);
    }
    Map<String, Double> epochLogs = Collections.unmodifiableMap(logs);
    callbacks.onEpochEnd(epoch, epochLogs, this);
    return epochLogs;
  }

  private static int[] order(int examples, boolean shuffle, long seed, int epoch) {
    int[] order = new int[examples];
    for (int i = 0; i < examples; i++) {
      order[i] = i;
    }
    if (shuffle) {
      Random random = new Random(Seeds.mix(seed, "epoch " + epoch));
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
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
