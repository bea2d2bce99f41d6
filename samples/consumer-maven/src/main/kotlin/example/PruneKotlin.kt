package example

import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.dsl.training.ProgressSink
import dev.topiary.kotlin.compile
import dev.topiary.kotlin.polynomialDecay
import dev.topiary.kotlin.evaluate
import dev.topiary.kotlin.fit
import dev.topiary.kotlin.relu
import dev.topiary.kotlin.sequential
import kotlin.random.Random

/** The Java example's classifier in Kotlin: random data, Dense kernels pruned from 0 to 75 % while it trains. */
fun main() {
  val n = 512
  val random = Random(1)
  val features = FloatArray(n * 4) { random.nextFloat() * 2 - 1 }
  val labels = IntArray(n) { if (features[it * 4] + features[it * 4 + 1] > 0) 1 else 0 }
  val x = HostArray.of(features, n.toLong(), 4)
  val y = HostArray.ofLabels(labels, n.toLong())

  val pruning = polynomialDecay(0.0, 0.75, begin = 0, end = 200, frequency = 10)
  val spec = sequential {
    input(4)
    dense(32) { activation = relu; prunable(pruning) }
    dense(2) { prunable(pruning) }
  }
  spec.compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), seed = 42).use { model ->
    model.fit(x, y, epochs = 20, batchSize = 32, progress = ProgressSink.silent())
    println("kotlin: accuracy %.3f".format(model.evaluate(x, y).getValue("accuracy")))
    model.sparsity().forEach { (weight, sparsity) -> println("kotlin: $weight sparsity %.2f".format(sparsity)) }
  }
}
