package dev.topiary.dsl.runtime;

import dev.topiary.dsl.Seeds;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.NoSuchElementException;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Batches the chief reads for a fit: arrays in memory (shuffled by {@code Fit}'s settings, as Keras
 * shuffles arrays) or a {@link Dataset} (which orders itself). Either way the batches of an epoch
 * depend only on the epoch, so a resumed fit sees the same batches. {@link #training} makes them the
 * steps of a fit on one executor.
 */
interface BatchSource {
  Dataset.Batches batches(int epoch);

  /** Batches per epoch, or -1 when not known in advance. */
  int batchesPerEpoch();

  /** The settings and data size a checkpoint must match to be resumed with this data. */
  String fingerprint();

  /**
   * These batches as training steps on {@code executor}: each batch split into the model's inputs and
   * labels by {@code layout}, weighted by its sample weights and {@code classWeights}, and checked
   * against the model first when {@code check} is given (data that was not checked up front).
   */
  default TrainingData training(Executor executor, BatchLayout layout, Map<Integer, Double> classWeights,
      @Nullable BiConsumer<List<HostArray>, List<HostArray>> check) {
    BatchSource source = this;
    return new TrainingData() {
      @Override
      public Steps steps(int epoch, int firstBatch) {
        Dataset.Batches batches = source.batches(epoch);
        try {
          for (int b = 0; b < firstBatch && batches.hasNext(); b++) {
            batches.next(); // resumed mid-epoch: trained before the checkpoint
          }
        } catch (RuntimeException | Error e) {
          batches.close();
          throw e;
        }
        return new Steps() {
          @Override
          public boolean hasNext() {
            return batches.hasNext();
          }

          @Override
          public Executor.TrainedBatch train(long step) {
            Batch batch = batches.next();
            List<HostArray> x = layout.inputs(batch);
            List<HostArray> y = layout.labels(batch);
            if (check != null) {
              check.accept(x, y);
            }
            return new Executor.TrainedBatch(executor.trainBatch(x, y, BatchLayout.weights(batch, y, classWeights), step),
                batch.examples());
          }

          @Override
          public void close() {
            batches.close();
          }
        };
      }

      @Override
      public int batchesPerEpoch() {
        return source.batchesPerEpoch();
      }

      @Override
      public String fingerprint() {
        return source.fingerprint();
      }
    };
  }

  /** Arrays in memory, in a fresh order each epoch when shuffled. */
  static BatchSource arrays(List<HostArray> x, List<HostArray> y, @Nullable HostArray weights, int batchSize,
      boolean shuffle, long seed, String split) {
    int examples = x.get(0).examples();
    int batches = examples / batchSize + (examples % batchSize == 0 ? 0 : 1); // no overflow near MAX_VALUE
    String fingerprint = "examples=" + examples + ",batch=" + batchSize + ",split=" + split + ",shuffle=" + shuffle
        + ",seed=" + seed;
    return new BatchSource() {
      @Override
      public Dataset.Batches batches(int epoch) {
        // Each epoch's order depends only on (seed, epoch).
        int[] order = order(examples, shuffle, seed, epoch);
        return new Dataset.Batches() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < batches;
          }

          @Override
          public Batch next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            int from = (int) Math.min(examples, (long) next * batchSize);
            int to = (int) Math.min(examples, (long) (next + 1) * batchSize);
            next++;
            int[] idx = Arrays.copyOfRange(order, from, to);
            return new Batch(BatchLayout.gather(x, idx), BatchLayout.gather(y, idx),
                weights == null ? null : weights.gather(idx), null, null);
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public int batchesPerEpoch() {
        return batches;
      }

      @Override
      public String fingerprint() {
        return fingerprint;
      }
    };
  }

  /** A dataset, batched by {@code batchSize} unless it batches itself. */
  static BatchSource of(Dataset dataset, int batchSize) {
    return new BatchSource() {
      private int batches = -1;

      @Override
      public Dataset.Batches batches(int epoch) {
        Dataset.Batches inner = dataset.batches(epoch, batchSize);
        return new Dataset.Batches() {
          private int count;

          @Override
          public boolean hasNext() {
            boolean more = inner.hasNext();
            if (!more) {
              batches = count; // known from the first full pass on
            }
            return more;
          }

          @Override
          public Batch next() {
            count++;
            return inner.next();
          }

          @Override
          public void close() {
            inner.close();
          }
        };
      }

      @Override
      public int batchesPerEpoch() {
        return batches;
      }

      @Override
      public String fingerprint() {
        return "dataset=" + dataset.getClass().getName() + ",size=" + dataset.size() + ",batch=" + batchSize;
      }
    };
  }

  private static int[] order(int examples, boolean shuffle, long seed, int epoch) {
    int[] order = new int[examples];
    for (int i = 0; i < examples; i++) {
      order[i] = i;
    }
    if (shuffle) {
      Random random = Seeds.epochRandom(seed, epoch);
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }
}
