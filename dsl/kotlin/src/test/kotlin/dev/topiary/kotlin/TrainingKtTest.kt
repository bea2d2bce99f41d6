package dev.topiary.kotlin

import dev.topiary.dsl.Input
import dev.topiary.dsl.Sequential
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.layers.Activation
import dev.topiary.dsl.layers.core.Dense
import dev.topiary.dsl.training.Compile
import dev.topiary.dsl.training.Fit
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.dsl.training.Optimizer
import dev.topiary.dsl.training.ProgressSink
import dev.topiary.dsl.training.callbacks.EarlyStopping
import dev.topiary.dsl.training.schedules.CosineDecay
import dev.topiary.dsl.training.schedules.ExponentialDecay
import dev.topiary.dsl.training.schedules.PiecewiseConstant
import java.nio.file.Files
import java.nio.file.Path
import kotlin.random.Random
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class TrainingKtTest {
  private fun data(n: Int): Pair<HostArray, HostArray> {
    val r = Random(5)
    val y = IntArray(n) { r.nextInt(3) }
    val x = FloatArray(n * 6) { i -> r.nextFloat() + if ((i % 6) % 3 == y[i / 6]) 2f else 0f }
    return HostArray.of(x, n.toLong(), 6) to HostArray.ofLabels(y)
  }

  private fun mlp() = sequential {
    input(6)
    dense(8) { activation = relu }
    dense(3)
  }

  @Test
  fun `schedules and optimizers read like Keras and equal the Java forms`() {
    assertThat(exponentialDecay(0.1, 100, 0.96, staircase = true)).isEqualTo(ExponentialDecay(0.1, 100, 0.96, true))
    assertThat(cosineDecay(0.0, 1000, warmupTarget = 0.1, warmupSteps = 100))
      .isEqualTo(CosineDecay.withWarmup(0.0, 1000, 0.0, 0.1, 100))
    assertThat(piecewiseConstant(100L to 0.1, 200L to 0.05, after = 0.01))
      .isEqualTo(PiecewiseConstant(longArrayOf(100, 200), doubleArrayOf(0.1, 0.05, 0.01)))
    assertThat(adam(exponentialDecay(0.1, 10, 0.5))).isEqualTo(Optimizer.adam(ExponentialDecay(0.1, 10, 0.5, false)))
    assertThat(sgd(0.05f, momentum = 0.9f)).isEqualTo(Optimizer.sgd(0.05f, 0.9f, false))
    assertThat(adam()).isEqualTo(Optimizer.adam())
    assertThat(rmsProp(0.01f)).isEqualTo(Optimizer.rmsProp(0.01f))
  }

  @Test
  fun `a schedule trains the Kotlin model exactly like the Java one`() {
    val (x, y) = data(64)
    val loss = Loss.sparseCategoricalCrossentropy(true)
    val fromKotlin = mlp().compile(loss, optimizer = sgd(cosineDecay(0.1, 8, warmupTarget = 0.2, warmupSteps = 2)),
      seed = 4).use { model ->
      model.fit(x, y, epochs = 3, batchSize = 16, progress = ProgressSink.silent())
      model.snapshot()
    }
    val java = Sequential.of(Input.of(6), Dense.of(8).activation(Activation.RELU), Dense.of(3))
    val fromJava = java.compile(Compile.of(Optimizer.sgd(CosineDecay.withWarmup(0.1, 8, 0.0, 0.2, 2)), loss).seed(4))
      .use { model ->
        model.fit(x, y, Fit.ofEpochs(3).batchSize(16).progress(ProgressSink.silent()))
        model.snapshot()
      }
    assertThat(fromKotlin).isEqualTo(fromJava)
  }

  @Test
  fun `callbacks with named arguments stop, log and save`(@TempDir dir: Path) {
    val (x, y) = data(64)
    val csv = dir.resolve("log.csv")
    mlp().compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), seed = 2).use { model ->
      val stop: EarlyStopping = earlyStopping(monitor = "loss", minDelta = 1e9, patience = 1, restoreBestWeights = true)
      val history = model.fit(x, y, epochs = 10, batchSize = 16, progress = ProgressSink.silent(), callbacks = listOf(
        stop, csvLogger(csv), modelCheckpoint(dir.resolve("m-{epoch}"), monitor = "accuracy", saveBestOnly = true),
        reduceLrOnPlateau(monitor = "loss", patience = 100)))
      assertThat(history.epochs()).hasSize(2)
      assertThat(stop.stoppedEpoch()).isEqualTo(1)
      assertThat(Files.readAllLines(csv)).hasSize(3).first().isEqualTo("epoch,accuracy,loss")
      assertThat(Files.exists(dir.resolve("m-1"))).isTrue()
    }
  }

  @Test
  fun `a student learns from a teacher's logits with the distillation loss`() {
    assertThat(distillation(2.0, 0.9)).isEqualTo(Loss.distillation(2.0, 0.9))
    val (x, y) = data(96)
    mlp().compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), seed = 2).use { teacher ->
      teacher.fit(x, y, epochs = 30, batchSize = 16, progress = ProgressSink.silent())
      val labels = distillationLabels(y, teacher.predict(x))
      mlp().compile(distillation(2.0, 0.9), seed = 3).use { student ->
        val history = student.fit(x, labels, epochs = 30, batchSize = 16, progress = ProgressSink.silent())
        val loss = history.metric("loss")
        assertThat(loss.last()).isLessThan(loss.first() / 2)
        // The weights, under the hard-label loss, classify the (easy) data as the teacher does.
        mlp().compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), seed = 4).use { eval ->
          eval.setWeights(student.weights())
          assertThat(eval.evaluate(x, y)["accuracy"]).isGreaterThan(0.9)
        }
      }
    }
  }
}
