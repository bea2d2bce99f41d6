package dev.topiary.kotlin.docs

// docs/getting-started.md's Kotlin quickstart, verbatim between the markers (checked by the tests
// module's DocSnippetsTest; QuickstartKtTest runs it).
// [snippet:QuickstartKt]
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.kotlin.*
import kotlin.random.Random

fun main() {
    // 2,000 points in the square, labelled by the side of the diagonal they fall on
    val random = Random(42)
    val x = Array(2000) { floatArrayOf(random.nextFloat(), random.nextFloat()) }
    val y = IntArray(2000) { if (x[it][0] > x[it][1]) 1 else 0 }
    val spec = sequential {
        input(2)
        dense(50) { activation = relu; prunable(polynomialDecay(0.0, 0.8, begin = 0, end = 200, frequency = 10)) }
        dense(2)
    }
    spec.compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), seed = 42).use { model ->
        model.fit(dataset(x, y), epochs = 5, batchSize = 32)
        model.strip().use { small -> println(small.sparsity()) }   // {dense_kernel=0.8, dense_1_kernel=0.0}
    }
}
// [end:QuickstartKt]
