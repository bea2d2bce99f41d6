package dev.topiary.kotlin

import dev.topiary.dsl.Model
import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.distributed.MultiWorker
import dev.topiary.dsl.distributed.Worker
import dev.topiary.dsl.distributed.WorkerContext
import dev.topiary.dsl.distributed.WorkerInput
import dev.topiary.dsl.training.Callback
import dev.topiary.dsl.training.Distribution
import dev.topiary.dsl.training.Fit
import dev.topiary.dsl.training.History
import dev.topiary.dsl.training.ProgressSink
import java.nio.file.Path
import java.time.Duration

/**
 * Synchronous data-parallel training on the TF servers at [workers] (`host:port` in task order, as each
 * `dev.topiary.dsl.distributed.Worker` was started): `model.fit(x, y, distribution = multiWorker("10.0.0.1:2222",
 * "10.0.0.2:2222"))`. A dead worker fails the fit within about a second, a hung one after [timeout].
 */
fun multiWorker(vararg workers: String, timeout: Duration = Duration.ofSeconds(30)): MultiWorker =
    Distribution.multiWorker(*workers).withTimeout(timeout)

/** [multiWorker] from a list, e.g. the cluster a launcher printed. */
fun multiWorker(workers: List<String>, timeout: Duration = Duration.ofSeconds(30)): MultiWorker =
    Distribution.multiWorker(workers).withTimeout(timeout)

/**
 * [workers] that read their own data, [stepsPerEpoch] batches each per epoch (each worker started
 * with `--input com.acme.MyInput`, or [serveWorker]): train with [fitOnWorkers].
 */
fun multiWorker(
  workers: List<String>,
  stepsPerEpoch: Int,
  timeout: Duration = Duration.ofSeconds(30),
): MultiWorker = Distribution.multiWorker(workers).withTimeout(timeout).workerInput(stepsPerEpoch)

/**
 * Keras-style `fit` on data the workers of [distribution] read themselves (the chief sends none):
 * `model.fitOnWorkers(multiWorker(workers, stepsPerEpoch = 6), epochs = 2, batchSize = 96)`; [batchSize]
 * is the global batch, each worker reads `batchSize / workers` examples per step.
 */
fun Model.fitOnWorkers(
  distribution: MultiWorker,
  epochs: Int = 1,
  batchSize: Int = 32,
  shuffleSeed: Long? = null,
  validationData: Dataset? = null,
  callbacks: List<Callback> = emptyList(),
  progress: ProgressSink = ProgressSink.console(),
  tensorBoard: Path? = null,
): History {
  require(distribution.readsOnWorkers()) {
    "fitOnWorkers needs workers that read their own data: multiWorker(workers, stepsPerEpoch = ...)"
  }
  var settings = Fit.ofEpochs(epochs).batchSize(batchSize).callbacks(*callbacks.toTypedArray()).progress(progress)
    .distribution(distribution)
  shuffleSeed?.let { settings = settings.shuffleSeed(it) }
  validationData?.let { settings = settings.validationData(it) }
  tensorBoard?.let { settings = settings.tensorBoard(it) }
  return fit(settings)
}

/**
 * Serves task [index] of [cluster] from your own `main`, its data from [input] (called at the start
 * of each fit that asks this worker for data): `serveWorker(cluster, index) { ctx ->
 * TFRecordDataset.of(Path.of("shard-${ctx.index}.tfrecord")).floatInput("image", 28, 28).intLabel("label") }`.
 * Blocks until the process is killed.
 */
fun serveWorker(cluster: List<String>, index: Int, input: (WorkerContext) -> Dataset): Unit =
  Worker.serve(cluster, index, WorkerInput { input(it) })
