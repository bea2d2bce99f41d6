package dev.topiary.kotlin

import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.training.Loss
import dev.topiary.ops.schedule.PolynomialDecay
import java.util.Random
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

class SensitivityKtTest {
  @Test
  fun sensitivityTargetsFromKotlin() {
    val spec = sequential {
      input(6)
      dense(16) { activation = relu }
      dense(3)
    }
    val r = Random(4)
    val n = 200
    val labels = IntArray(n) { r.nextInt(3) }
    val x = FloatArray(n * 6) { i -> r.nextGaussian().toFloat() + if ((i % 6) % 3 == labels[i / 6]) 2f else 0f }
    val data = dataset(HostArray.of(x, n.toLong(), 6), HostArray.ofLabels(labels))
    spec.compile(Loss.sparseCategoricalCrossentropy(true), seed = 1).use { model ->
      model.fit(data, epochs = 2, batchSize = 32, progress = dev.topiary.dsl.training.ProgressSink.silent())
      val before = model.snapshot()
      val report = model.sensitivity(data, grid = listOf(0.5, 0.9, 0.99))
      assertThat(model.snapshot()).isEqualTo(before)
      assertThat(report.layers().map { it.layer() }).containsExactly("dense", "dense_1")
      val pruned = report.prune(spec, 0.8) { t -> polynomialDecay(0.0, t, begin = 0, end = 20, frequency = 5) }
      // 96 + 48 kernel weights; the per-tensor keep counts at the targets sum to keepCount(144, 0.8) = 29.
      val kept = pruned.prunedLayers().entries.sumOf { (layer, p) ->
        val size = if (layer == "dense") 96L else 48L
        val s = (p.schedule() as PolynomialDecay).finalSparsity().toFloat()
        maxOf(Math.rint((size.toFloat() * (1f - s)).toDouble()).toLong(), 1L)
      } + (if (pruned.prunedLayers().containsKey("dense")) 0L else 96L) +
          (if (pruned.prunedLayers().containsKey("dense_1")) 0L else 48L)
      assertThat(kept).isEqualTo(29L)
    }
  }
}
