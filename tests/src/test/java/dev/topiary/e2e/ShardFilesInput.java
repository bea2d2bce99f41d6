package dev.topiary.e2e;

import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.distributed.WorkerContext;
import dev.topiary.dsl.distributed.WorkerInput;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The worker input of {@link WorkerInputTrainingTest}: worker {@code i} reads its own TFRecord file,
 * {@code $TOPIARY_SHARDS/shard-i.tfrecord}. A fit with shuffle seed {@link #FAILING_SEED} makes
 * worker {@link #FAILING_WORKER}'s input throw at its third batch (a stand-in for a corrupt file).
 */
public final class ShardFilesInput implements WorkerInput {
  static final long FAILING_SEED = 666;
  static final int FAILING_WORKER = 1;
  static final String BROKEN = "record 3 of the test's shard is corrupt";

  @Override
  public Dataset open(WorkerContext context) {
    Path file = Path.of(System.getenv("TOPIARY_SHARDS")).resolve("shard-" + context.index() + ".tfrecord");
    if (!Files.exists(file)) {
      throw new IllegalArgumentException("no shard file " + file);
    }
    Dataset records = TFRecordDataset.of(file).floatInput("image", 28, 28).intLabel("label");
    if (context.seed() != FAILING_SEED || context.index() != FAILING_WORKER) {
      return records;
    }
    return new Dataset() {
      @Override
      public Batches batches(int epoch, int batchSize) {
        Batches inner = records.batches(epoch, batchSize);
        return new Batches() {
          int served;

          @Override
          public boolean hasNext() {
            return inner.hasNext();
          }

          @Override
          public Batch next() {
            if (++served == 3) {
              throw new IllegalStateException(BROKEN);
            }
            return inner.next();
          }

          @Override
          public void close() {
            inner.close();
          }
        };
      }
    };
  }
}
