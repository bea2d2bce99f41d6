package dev.topiary.dsl.distributed;

/**
 * What a {@link WorkerInput} learns about the fit it feeds.
 *
 * @param index this worker's task index in the cluster
 * @param workers the number of workers
 * @param batchSize examples per batch on this worker (the fit's global batch / workers)
 * @param stepsPerEpoch batches the fit takes from this worker per epoch
 * @param seed the fit's shuffle seed ({@code Fit.shuffleSeed}, else the compile seed), for
 *     datasets that shuffle
 */
public record WorkerContext(int index, int workers, int batchSize, int stepsPerEpoch, long seed) {}
