package dev.topiary.e2e;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.distributed.WorkerContext;
import dev.topiary.dsl.distributed.WorkerInput;
import dev.topiary.samples.data.Idx;

/**
 * The worker input of {@link DistributedBenchmark}: worker {@code i} of {@code n} reads shard
 * {@code i} of the embedded MNIST training subset (examples {@code i, i + n, ...}) from its own
 * class path, so the chief sends no data.
 */
public final class EmbeddedMnistInput implements WorkerInput {
  @Override
  public Dataset open(WorkerContext context) {
    Idx.Split train = Idx.embedded("train");
    return Dataset.of(train.images(), train.labels()).shard(context.workers(), context.index());
  }
}
