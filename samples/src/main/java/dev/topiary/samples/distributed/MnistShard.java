package dev.topiary.samples.distributed;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.distributed.WorkerContext;
import dev.topiary.dsl.distributed.WorkerInput;
import dev.topiary.samples.data.Idx;

/**
 * The worker side of {@link MnistOnWorkers} {@code --worker-input}: worker {@code i} of {@code n}
 * reads shard {@code i} (examples {@code i, i + n, ...}) of the MNIST training subset from its own
 * class path, so the chief sends no data. Start each worker with {@code --input
 * dev.topiary.samples.distributed.MnistShard}. Your own input would read this worker's files, e.g.
 * {@code TFRecordDataset.of(Path.of("train-" + context.index() + ".tfrecord"))...}.
 */
public final class MnistShard implements WorkerInput {
  @Override
  public Dataset open(WorkerContext context) {
    Idx.Split train = Idx.embedded("train");
    return Dataset.of(train.images(), train.labels()).shard(context.workers(), context.index());
  }

  /** Full batches every worker's shard gives per epoch at {@code globalBatch} over {@code workers}. */
  static int stepsPerEpoch(int examples, int workers, int globalBatch) {
    return (examples / workers) / (globalBatch / workers);
  }
}
