package dev.topiary.dsl.training;

import java.util.Map;

/** Hooks into {@code fit}; every method is optional. Pruning needs none: it runs inside each step. */
public interface Callback {

  /** After each batch, with the running means of this epoch so far. */
  default void onBatchEnd(int epoch, int batch, Map<String, Double> runningLogs, TrainingControl control) {}

  /** After each epoch, with its logs (loss, metrics, val_*, sparsity). */
  default void onEpochEnd(int epoch, Map<String, Double> logs, TrainingControl control) {}

  /** Lets a callback end training after the current batch. */
  interface TrainingControl {
    void stopTraining();
  }
}
