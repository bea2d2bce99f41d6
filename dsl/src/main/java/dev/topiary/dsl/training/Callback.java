package dev.topiary.dsl.training;

import dev.topiary.dsl.Model;
import java.util.Map;

/**
 * Hooks into {@code fit}, in Keras' order of events: train begin; for each epoch, epoch begin, then
 * for each batch, batch begin and batch end; epoch end (after validation); train end (also after a
 * stop). Every method is optional. Progress, history, TensorBoard, checkpoints and the NaN stop are
 * callbacks too, run before the user's in one list. Pruning needs none: it runs inside each step.
 */
public interface Callback {

  default void onTrainBegin(TrainingContext context) {}

  default void onEpochBegin(int epoch, TrainingContext context) {}

  default void onBatchBegin(int epoch, int batch, TrainingContext context) {}

  /**
   * After each batch, with the running means of this epoch so far ({@code loss}, metrics); the
   * batch's own values are {@link TrainingContext#batchLogs()}.
   */
  default void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {}

  /** After each epoch, with its logs (loss, metrics, val_*, sparsity). */
  default void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {}

  /** When training ends, normally, stopped by a callback, or failed; {@code logs} of the last epoch (maybe empty). */
  default void onTrainEnd(Map<String, Double> logs, TrainingContext context) {}

  /** What a callback sees of the running {@code fit} and how it can end it. */
  interface TrainingContext {
    /** The model being trained. */
    Model model();

    /** Ends training after the current batch (the epoch's end events still run). */
    void stopTraining();

    boolean stopRequested();

    /** The settings of this fit. */
    Fit fit();

    /** Training batches per epoch. */
    int batchesPerEpoch();

    /** Training steps completed so far. */
    long step();

    /** The last batch's own loss and metrics (not averaged). */
    Map<String, Double> batchLogs();
  }
}
