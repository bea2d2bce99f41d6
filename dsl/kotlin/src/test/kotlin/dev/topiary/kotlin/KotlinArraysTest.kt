package dev.topiary.kotlin

import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.dsl.training.ProgressSink
import kotlin.random.Random
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.assertj.core.data.Offset
import org.junit.jupiter.api.Test

/** `fit`, `evaluate` and `predict` on Kotlin arrays (issue 28: the README's `model.fit(x, y, epochs = 2)`). */
class KotlinArraysTest {
  /** 48 rows of 6 features and their class ids (3 classes, separable), the same every run. */
  private fun rows(): Pair<Array<FloatArray>, IntArray> {
    val r = Random(7)
    val y = IntArray(48) { r.nextInt(3) }
    val x = Array(48) { i -> FloatArray(6) { j -> r.nextFloat() + if (j % 3 == y[i]) 2f else 0f } }
    return x to y
  }

  /** The same values as one flat HostArray [n, 6]: the reference the Kotlin-array forms must match. */
  private fun flat(x: Array<FloatArray>): HostArray {
    val values = FloatArray(x.size * 6)
    x.forEachIndexed { i, row -> row.copyInto(values, i * 6) }
    return HostArray.of(values, x.size.toLong(), 6)
  }

  private fun classifier() = sequential {
    input(6)
    dense(8) { activation = relu }
    dense(3)
  }.compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), seed = 3)

  @Test
  fun `fit on Kotlin arrays trains exactly as on host arrays`() {
    val (x, y) = rows()
    val fromArrays = classifier().use { model ->
      // The README's call, with Array<FloatArray> and IntArray.
      val history = model.fit(x, y, epochs = 2, batchSize = 16, progress = ProgressSink.silent())
      assertThat(history.epochs()).hasSize(2)
      model.snapshot()
    }
    val fromHost = classifier().use { model ->
      model.fit(flat(x), HostArray.ofLabels(y), epochs = 2, batchSize = 16, progress = ProgressSink.silent())
      model.snapshot()
    }
    assertThat(fromArrays).isEqualTo(fromHost)
  }

  @Test
  fun `evaluate and predict take and give Kotlin arrays`() {
    val (x, y) = rows()
    classifier().use { model ->
      model.fit(x, y, epochs = 3, batchSize = 16, progress = ProgressSink.silent())
      assertThat(model.evaluate(x, y)).isEqualTo(model.evaluate(flat(x), HostArray.ofLabels(y)))
      val predicted = model.predict(x)
      val reference = model.predict(flat(x)).floats()
      assertThat(predicted.size).isEqualTo(48)
      predicted.forEachIndexed { i, row ->
        assertThat(row).containsExactly(*reference.copyOfRange(i * 3, i * 3 + 3))
      }
      // One example without a batch dimension: the same row (TF may round differently at batch 1).
      assertThat(model.predict(x[5])).containsExactly(predicted[5], Offset.offset(1e-5f))
      val classes = model.predictClasses(x)
      assertThat(classes).hasSize(48)
      classes.forEachIndexed { i, c -> assertThat(predicted[i][c]).isEqualTo(predicted[i].max()) }
    }
  }

  @Test
  fun `float targets train a one-unit output and images train through Flatten`() {
    val (x, y) = rows()
    val targets = FloatArray(48) { i -> if (y[i] == 0) 1f else 0f }
    sequential {
      input(6)
      dense(1)
    }.compile(Loss.meanSquaredError(), seed = 1).use { model ->
      val before = model.evaluate(x, targets).getValue("loss")
      model.fit(x, targets, epochs = 20, batchSize = 16, progress = ProgressSink.silent())
      assertThat(model.evaluate(x, targets).getValue("loss")).isLessThan(before)
      assertThat(model.predict(x)[0]).hasSize(1)
    }
    val images = Array(48) { i -> Array(2) { a -> FloatArray(3) { b -> x[i][a * 3 + b] } } }
    sequential {
      input(2, 3)
      flatten()
      dense(3)
    }.compile(Loss.sparseCategoricalCrossentropy(true), seed = 1).use { model ->
      model.fit(images, y, epochs = 1, batchSize = 16, progress = ProgressSink.silent())
      assertThat(model.predict(images).size).isEqualTo(48)
      assertThat(model.evaluate(images, y)).containsKey("loss")
      assertThat(model.predictClasses(images)).hasSize(48)
    }
  }

  @Test
  fun `ragged rows fail naming the row`() {
    val (x, y) = rows()
    x[4] = FloatArray(5)
    classifier().use { model ->
      assertThatThrownBy { model.fit(x, y, progress = ProgressSink.silent()) }
        .hasMessageContaining("row 4 has 5 values but row 0 has 6")
    }
  }
}
