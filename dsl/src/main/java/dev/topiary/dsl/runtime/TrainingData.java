package dev.topiary.dsl.runtime;

import dev.topiary.dsl.Seeds;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Where the fit loop's batches come from: arrays in memory (shuffled by {@code Fit}'s settings, as
 * Keras shuffles arrays) or a {@link Dataset} (which orders itself). Either way the batches of an
 * epoch depend only on the epoch, so a resumed fit sees the same batches.
 */
interface TrainingData {
  Dataset.Batches batches(int epoch);

  /** Batches per epoch, or -1 when not known in advance. */
  int batchesPerEpoch();

  /** The settings and data size a checkpoint must match to be resumed with this data. */
  String fingerprint();

  /**
   * Data the workers of a multi-worker fit read themselves: the chief holds no batches, only how many
   * steps an epoch has, the global batch and the seed it hands to the workers' inputs.
   */
  record OnWorkers(int stepsPerEpoch, int globalBatch, long seed, int workers) implements TrainingData {
    @Override
    public Dataset.Batches batches(int epoch) {
      throw new UnsupportedOperationException("the workers read this fit's batches");
    }

    @Override
    public int batchesPerEpoch() {
      return stepsPerEpoch;
    }

    @Override
    public String fingerprint() {
      return "workerInput,workers=" + workers + ",steps=" + stepsPerEpoch + ",batch=" + globalBatch + ",seed=" + seed;
    }
  }

  /** Arrays in memory, in a fresh order each epoch when shuffled. */
  static TrainingData arrays(List<HostArray> x, List<HostArray> y, @Nullable HostArray weights, int batchSize,
      boolean shuffle, long seed, String split) {
    int examples = x.get(0).examples();
    int batches = examples / batchSize + (examples % batchSize == 0 ? 0 : 1); // no overflow near MAX_VALUE
    String fingerprint = "examples=" + examples + ",batch=" + batchSize + ",split=" + split + ",shuffle=" + shuffle
        + ",seed=" + seed;
    return new TrainingData() {
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
  static TrainingData of(Dataset dataset, int batchSize) {
    return new TrainingData() {
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
