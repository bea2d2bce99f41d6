package dev.topiary.kotlin

import dev.topiary.dsl.training.Distribution
import java.time.Duration

/**
 * Synchronous data-parallel training on the TF servers at [workers] (`host:port` in task order, as each
 * `dev.topiary.dsl.distributed.Worker` was started): `model.fit(x, y, distribution = multiWorker("10.0.0.1:2222",
 * "10.0.0.2:2222"))`. A dead worker fails the fit within about a second, a hung one after [timeout].
 */
fun multiWorker(vararg workers: String, timeout: Duration = Duration.ofSeconds(30)): Distribution.MultiWorker =
    Distribution.multiWorker(*workers).withTimeout(timeout)

/** [multiWorker] from a list, e.g. the cluster a launcher printed. */
fun multiWorker(workers: List<String>, timeout: Duration = Duration.ofSeconds(30)): Distribution.MultiWorker =
    Distribution.multiWorker(workers).withTimeout(timeout)
