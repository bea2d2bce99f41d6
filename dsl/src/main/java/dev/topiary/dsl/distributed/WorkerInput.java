package dev.topiary.dsl.distributed;

import dev.topiary.dsl.data.Dataset;

/**
 * The data one worker of a multi-worker fit reads itself ({@code Distribution.multiWorker(...)
 * .workerInput(stepsPerEpoch)}): its launcher is started with {@code --input com.acme.MyInput} (a
 * class on the worker's class path with a public no-argument constructor) or given an instance
 * through {@link Worker#serve}. At the start of each fit the worker calls {@link #open} and takes
 * {@code stepsPerEpoch} batches of {@link WorkerContext#batchSize()} examples per epoch from
 * {@code dataset.batches(epoch, batchSize)}, as the fit loop would in one process; each step trains
 * on one batch from every worker.
 *
 * <p>Batches hold the model's inputs in order (float), then its labels (int32 for sparse
 * categorical losses, else float), optionally sample weights. Typically each worker reads its own
 * file, or its shard of a shared one: {@code dataset.shard(context.workers(), context.index())}.
 */
@FunctionalInterface
public interface WorkerInput {
  /** This worker's data for one fit. */
  Dataset open(WorkerContext context) throws Exception;
}
