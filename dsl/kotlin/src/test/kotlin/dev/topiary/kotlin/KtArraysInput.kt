package dev.topiary.kotlin

import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.distributed.WorkerContext
import dev.topiary.dsl.distributed.WorkerInput

/** The worker input of [DistributedKtTest]: worker i's shard (examples i, i + n, ...) of [examples]. */
class KtArraysInput : WorkerInput {
  override fun open(context: WorkerContext): Dataset {
    val (x, y) = examples()
    return Dataset.of(x, y).shard(context.workers(), context.index())
  }

  companion object {
    /** 64 examples of 6 features, 3 classes, the same in every JVM. */
    fun examples(): Pair<HostArray, HostArray> {
      val random = java.util.Random(5)
      val x = HostArray.of(FloatArray(64 * 6) { random.nextGaussian().toFloat() }, 64, 6)
      val y = HostArray.ofLabels(IntArray(64) { random.nextInt(3) }, 64)
      return x to y
    }
  }
}
