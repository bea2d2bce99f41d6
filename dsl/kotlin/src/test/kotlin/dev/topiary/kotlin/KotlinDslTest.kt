package dev.topiary.kotlin

import dev.topiary.dsl.Input
import dev.topiary.dsl.ModelSpec
import dev.topiary.dsl.Sequential
import dev.topiary.dsl.layers.convolution.Conv2D
import dev.topiary.dsl.layers.core.Dense
import dev.topiary.dsl.layers.merging.Add
import dev.topiary.dsl.layers.pooling.MaxPooling2D
import dev.topiary.dsl.layers.reshaping.Flatten
import dev.topiary.dsl.layers.reshaping.Reshape
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.dsl.training.ProgressSink
import dev.topiary.ops.PruningSpec
import dev.topiary.ops.mask.BlockPooling
import dev.topiary.ops.mask.MaskStrategy
import dev.topiary.samples.data.Idx
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.Test

class KotlinDslTest {
  private val schedule = polynomialDecay(0.5, 0.8, begin = 0, end = 60, frequency = 10)

  private fun kotlinMnist(): ModelSpec = sequential {
    input(28, 28)
    reshape(28, 28, 1)
    conv2d(12, 3) {
      activation = relu
      prunable(schedule)
    }
    maxPooling2d(2)
    flatten()
    dense(10) { prunable(schedule) }
  }

  private fun javaMnist(): ModelSpec = Sequential.of(
    Input.of(28, 28),
    Reshape.of(28, 28, 1),
    Conv2D.of(12, 3).activation(dev.topiary.dsl.layers.Activation.RELU).prunable(schedule),
    MaxPooling2D.of(2),
    Flatten.of(),
    Dense.of(10).prunable(schedule),
  )

  @Test
  fun `the MNIST model declared in Kotlin trains exactly like the Java declaration`() {
    val train = Idx.embedded("train")
    val x = train.images().slice(0, 2048)
    val y = train.labels().slice(0, 2048)
    val loss = Loss.sparseCategoricalCrossentropy(true)
    val fromKotlin = kotlinMnist().compile(loss, metrics = listOf(Metric.ACCURACY), seed = 7).use { model ->
      val history = model.fit(x, y, epochs = 4, batchSize = 128, progress = ProgressSink.silent())
      assertThat(history.last("sparsity")).isGreaterThan(0.79)
      model.snapshot()
    }
    val fromJava = javaMnist().compile(loss, metrics = listOf(Metric.ACCURACY), seed = 7).use { model ->
      model.fit(x, y, epochs = 4, batchSize = 128, progress = ProgressSink.silent())
      model.snapshot()
    }
    assertThat(fromKotlin).isEqualTo(fromJava)
    assertThat(kotlinMnist().summary().toString()).isEqualTo(javaMnist().summary().toString())
  }

  @Test
  fun `functional models, structured options and whole-model pruning`() {
    val spec = functional {
      val a = input(8, name = "a")
      val b = input(8, name = "b")
      val shared = dense(8) {
        name = "shared"
        activation = tanh
        prunable(constantSparsity(0.5), block = 1 to 4, pooling = BlockPooling.MAX)
      }
      val merged = Add.of()(shared(a), shared(b))
      output(dense(2) { prunable(constantSparsity(0.5), mByN = 2 to 4) }(merged))
    }
    assertThat(spec.layerNames()).containsExactly("shared", "add", "dense")
    assertThat(spec.prunedLayers()["dense"]!!.strategy()).isEqualTo(MaskStrategy.mByN(2, 4))

    val plain = sequential {
      input(16)
      dense(8) { activation = relu }
      dense(8) { activation = relu }
      dense(2)
    }
    val onlyHidden = plain.pruned(PruningSpec.of(constantSparsity(0.5))) { name, _ -> name != "dense_2" }
    assertThat(onlyHidden.prunedLayers().keys).containsExactly("dense", "dense_1")
  }

  @Test
  fun `mistakes read clearly from Kotlin too`() {
    assertThatThrownBy { sequential { dense(2) } }.hasMessageContaining("call input(...) first")
    assertThatThrownBy { constantSparsity(1.0) }.hasMessage("target must be in [0, 1), got 1.0")
    assertThatThrownBy {
      sequential {
        input(4)
        dense(2) { prunable(constantSparsity(0.5), block = 1 to 2, mByN = 2 to 4) }
      }
    }.hasMessage("choose block or m-by-n sparsity, not both")
  }

  @Test
  fun `callbacks from lambdas see the fit's events and stop it`() {
    val spec = sequential {
      input(4)
      dense(3) { prunable(constantSparsity(0.5)) }
    }
    val x = dev.topiary.dsl.data.HostArray.of(FloatArray(40) { (it % 7).toFloat() / 7f }, 10, 4)
    val y = dev.topiary.dsl.data.HostArray.ofLabels(IntArray(10) { it % 3 })
    val events = mutableListOf<String>()
    val stopAtSecondEpoch = callback(
      onEpochBegin = { epoch, _ -> events += "begin $epoch" },
      onEpochEnd = { epoch, logs, ctx ->
        events += "end $epoch sparsity ${logs.getValue("sparsity")}"
        if (epoch == 1) ctx.stopTraining()
      },
    )
    spec.compile(Loss.sparseCategoricalCrossentropy(true), seed = 1).use { model ->
      val history = model.fit(x, y, epochs = 5, batchSize = 5, callbacks = listOf(stopAtSecondEpoch),
        progress = ProgressSink.silent())
      assertThat(history.epochs()).hasSize(2)
      assertThat(model.step()).isEqualTo(4L)
    }
    assertThat(events).containsExactly("begin 0", "end 0 sparsity 0.5", "begin 1", "end 1 sparsity 0.5")
    val settings = fitSettings { epochs(3); batchSize(7); callback(stopAtSecondEpoch) }
    assertThat(settings.epochs()).isEqualTo(3)
    assertThat(settings.callbacks()).containsExactly(stopAtSecondEpoch)
  }

  @Test
  fun `fit on a dataset with named arguments, class weights and validation`() {
    val spec = sequential {
      input(4)
      dense(3)
    }
    val x = dev.topiary.dsl.data.HostArray.of(FloatArray(40) { (it % 7).toFloat() / 7f }, 10, 4)
    val y = dev.topiary.dsl.data.HostArray.ofLabels(IntArray(10) { it % 3 })
    val data = dev.topiary.dsl.data.Dataset { _, _ ->
      val batches = listOf(dev.topiary.dsl.data.Batch.of(listOf(x), listOf(y))).iterator()
      object : dev.topiary.dsl.data.Dataset.Batches {
        override fun hasNext() = batches.hasNext()
        override fun next() = batches.next()
        override fun remove() = throw UnsupportedOperationException()
        override fun close() {}
      }
    }
    spec.compile(Loss.sparseCategoricalCrossentropy(true), seed = 1).use { model ->
      val history = model.fit(data, epochs = 3, validationData = data, classWeights = mapOf(0 to 2.0),
        progress = ProgressSink.silent())
      assertThat(history.epochs()).hasSize(3)
      assertThat(history.epochs()[2]).containsKeys("loss", "val_loss")
      assertThat(model.step()).isEqualTo(3L)
      assertThat(model.predictOne(dev.topiary.dsl.data.HostArray.ofFloats(FloatArray(4), 4)).shape()).containsExactly(3L)
    }
  }
}
