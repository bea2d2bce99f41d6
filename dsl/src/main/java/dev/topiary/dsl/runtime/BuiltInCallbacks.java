package dev.topiary.dsl.runtime;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.TrainingDivergedException;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.ProgressSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The callbacks every {@code fit} composes from its settings, in this order: the NaN stop, history,
 * TensorBoard, checkpoints, then the user's callbacks, then progress (so progress lines come after
 * everything an epoch does).
 */
final class BuiltInCallbacks {
  private BuiltInCallbacks() {}

  static List<Callback> forFit(Fit fit, Executor executor, History history, String fingerprint) {
    List<Callback> out = new ArrayList<>();
    out.add(new TerminateOnNaN());
    out.add(history);
    if (fit.tensorBoardDir() != null) {
      out.add(new TensorBoardCallback(fit.tensorBoardDir(), executor));
    }
    if (fit.checkpointFile() != null) {
      out.add(new Checkpoints(fit.checkpointFile(), fit.checkpointEvery(), fingerprint));
    }
    out.addAll(fit.callbacks());
    out.add(new Progress(fit.progress()));
    return out;
  }

  /** Fails training as soon as a batch's loss is NaN or infinite. */
  static final class TerminateOnNaN implements Callback {
    @Override
    public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
      double loss = context.batchLogs().get("loss");
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException("loss became " + loss + " at epoch " + (epoch + 1) + ", batch "
            + (batch + 1) + "; lower the learning rate or check the data for NaN/infinite values");
      }
    }
  }

  /** Records each epoch's logs: what {@code fit} returns. */
  static final class History implements Callback {
    private final List<Map<String, Double>> epochs = new ArrayList<>();

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
      epochs.add(logs);
    }

    dev.topiary.dsl.training.History result() {
      return new dev.topiary.dsl.training.History(epochs);
    }
  }

  /**
   * Saves a {@link Checkpoint} every {@code everySteps} steps within an epoch (not on its last
   * batch) and at each epoch end unless training was stopped.
   */
  static final class Checkpoints implements Callback {
    private final Path file;
    private final int everySteps;
    private final String fingerprint;

    Checkpoints(Path file, int everySteps, String fingerprint) {
      this.file = file;
      this.everySteps = everySteps;
      this.fingerprint = fingerprint;
    }

    /** Fails before the first step, not after it, when the checkpoint cannot be written. */
    @Override
    public void onTrainBegin(TrainingContext context) {
      Path dir = file.toAbsolutePath().getParent();
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot write checkpoints to " + file + ": " + e.getMessage(), e);
      }
      if (!Files.isWritable(dir) || Files.isDirectory(file) || (Files.exists(file) && !Files.isWritable(file))) {
        throw new IllegalArgumentException("cannot write checkpoints to " + file + ": "
            + (Files.isDirectory(file) ? "it is a directory" : "not writable"));
      }
    }

    @Override
    public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
      if (everySteps > 0 && context.step() % everySteps == 0 && batch + 1 < context.batchesPerEpoch()) {
        save(context, epoch, batch + 1);
      }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
      if (!context.stopRequested()) {
        save(context, epoch + 1, 0);
      }
    }

    private void save(TrainingContext context, int epoch, int batch) {
      try {
        Checkpoint.of(context.model(), epoch, batch, fingerprint).write(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the checkpoint " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /** Keras-style progress through a {@link ProgressSink}. */
  static final class Progress implements Callback {
    private final ProgressSink sink;
    private long epochStart;

    Progress(ProgressSink sink) {
      this.sink = sink;
    }

    @Override
    public void onEpochBegin(int epoch, TrainingContext context) {
      epochStart = System.nanoTime();
      sink.epochStart(epoch, context.fit().epochs(), context.batchesPerEpoch());
    }

    @Override
    public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
      sink.batchEnd(batch, context.batchesPerEpoch(), logs);
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
      sink.epochEnd(epoch, context.fit().epochs(), logs, Duration.ofNanos(System.nanoTime() - epochStart));
    }
  }
}
