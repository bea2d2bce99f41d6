package dev.topiary.dsl.runtime;

/**
 * Where a fit's training steps come from, one epoch at a time: batches the chief reads (arrays, a
 * {@code Dataset}) trained on the fit's executor, or batches that workers read themselves. The fit
 * loop ({@code Trainer}) only asks for the next step; what a step trains on is the data's business,
 * so the loop has one path for every kind of data.
 *
 * <p>An epoch's steps depend only on the epoch, so a resumed fit trains on the same batches.
 */
public interface TrainingData {
  /**
   * The steps of epoch {@code epoch} from batch {@code firstBatch} on (a fit resumed mid-epoch trained
   * the earlier ones before its checkpoint).
   */
  Steps steps(int epoch, int firstBatch);

  /** Batches per epoch, or -1 when not known in advance. */
  int batchesPerEpoch();

  /** The settings and data size a checkpoint must match to be resumed with this data. */
  String fingerprint();

  /** One epoch's training steps, in order. */
  interface Steps extends AutoCloseable {
    boolean hasNext();

    /**
     * Trains the next batch as step {@code step} (the number of steps done before it, which seeds
     * the training pass's random ops); returns its logs and the number of examples it trained on.
     */
    Executor.TrainedBatch train(long step);

    @Override
    void close();
  }
}
