package dev.topiary.dsl.training;

import dev.topiary.dsl.data.HostArray;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How {@code fit} runs: epochs, batch size, shuffling, validation, callbacks, progress and
 * TensorBoard. Immutable, Keras defaults: 1 epoch, batch 32, shuffled, no validation.
 *
 * <pre>{@code Fit.epochs(4).batchSize(128).validationSplit(0.1)}</pre>
 */
public record Fit(
    int epochs,
    int batchSize,
    boolean shuffle,
    @Nullable Long shuffleSeed,
    double validationSplit,
    @Nullable List<HostArray> validationInputs,
    @Nullable List<HostArray> validationLabels,
    List<Callback> callbacks,
    ProgressSink progress,
    @Nullable Path tensorBoardDir,
    Distribution distribution,
    @Nullable Path checkpointFile,
    int checkpointEvery,
    dev.topiary.dsl.@Nullable Checkpoint resumeFrom) {

  public Fit {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (!(validationSplit >= 0 && validationSplit < 1)) {
      throw new IllegalArgumentException("validation split must be in [0, 1), got " + validationSplit);
    }
    if (validationSplit > 0 && validationInputs != null) {
      throw new IllegalArgumentException("give either a validation split or validation data, not both");
    }
    callbacks = List.copyOf(callbacks);
    progress = progress == null ? ProgressSink.console() : progress;
    distribution = distribution == null ? Distribution.local() : distribution;
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("checkpoint interval must be >= 0 steps (0: at epoch ends only), got "
          + checkpointEvery);
    }
  }

  public static Fit epochs(int epochs) {
    return new Fit(epochs, 32, true, null, 0, null, null, List.of(), ProgressSink.console(), null, null, null, 0, null);
  }

  public Fit batchSize(int batchSize) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        callbacks, progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  /** Shuffle the training examples every epoch (default), with the model seed unless {@link #shuffleSeed(long)}. */
  public Fit shuffle(boolean shuffle) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        callbacks, progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  public Fit shuffleSeed(long seed) {
    return new Fit(epochs, batchSize, shuffle, seed, validationSplit, validationInputs, validationLabels, callbacks,
        progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  /** Hold out the last {@code fraction} of the examples (before shuffling, as Keras) for validation. */
  public Fit validationSplit(double fraction) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, fraction, validationInputs, validationLabels, callbacks,
        progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  public Fit validationData(HostArray inputs, HostArray labels) {
    return validationData(List.of(inputs), List.of(labels));
  }

  public Fit validationData(List<HostArray> inputs, List<HostArray> labels) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, List.copyOf(inputs), List.copyOf(labels),
        callbacks, progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  public Fit callbacks(Callback... callbacks) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        List.of(callbacks), progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  /** Where progress lines go; {@link ProgressSink#silent()} for none. */
  public Fit progress(ProgressSink progress) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        callbacks, progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  /**
   * Save a {@link dev.topiary.dsl.Checkpoint} to {@code file} at every epoch end and, if
   * {@code everySteps} > 0, every that many training steps (mid-epoch). Each save replaces the last
   * atomically.
   */
  public Fit checkpoints(Path file, int everySteps) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        callbacks, progress, tensorBoardDir, distribution, file, everySteps, resumeFrom);
  }

  /**
   * Continue an interrupted {@code fit} from {@code checkpoint} (restore it into the model first):
   * from its epoch and batch, with the same settings and data; the run ends exactly as the
   * uninterrupted one would.
   */
  public Fit resumeFrom(dev.topiary.dsl.Checkpoint checkpoint) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        callbacks, progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, checkpoint);
  }

  /** Where training runs (default {@link Distribution#local()}). */
  public Fit distribution(Distribution distribution) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        callbacks, progress, tensorBoardDir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }

  /** Write TensorBoard event files (loss, metrics, per-weight sparsity and threshold) under {@code dir}. */
  public Fit tensorBoard(Path dir) {
    return new Fit(epochs, batchSize, shuffle, shuffleSeed, validationSplit, validationInputs, validationLabels,
        callbacks, progress, dir, distribution, checkpointFile, checkpointEvery, resumeFrom);
  }
}
