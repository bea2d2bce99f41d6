package dev.topiary.kotlin

import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.distributed.WorkerProcesses
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.ProgressSink
import java.nio.file.Path
import java.time.Duration
import kotlin.math.abs
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class DistributedKtTest {
  private fun spec() = sequential {
    input(6)
    dense(8) { activation = relu }
    dense(3) { prunable(constantSparsity(0.5, frequency = 1)) }
  }

  @Test
  fun aFitOnTwoWorkersFromKotlin(@TempDir logs: Path) {
    val random = java.util.Random(5)
    val x = HostArray.of(FloatArray(64 * 6) { random.nextGaussian().toFloat() }, 64, 6)
    val y = HostArray.ofLabels(IntArray(64) { random.nextInt(3) }, 64)
    val loss = Loss.sparseCategoricalCrossentropy(true)
    val local = spec().compile(loss, seed = 4).use { model ->
      model.fit(x, y, epochs = 2, batchSize = 16, progress = ProgressSink.silent())
      model.weights().getValue("dense_1_kernel").floats()
    }
    WorkerProcesses.start(2, logs).use { workers ->
      val distribution = multiWorker(workers.addresses(), timeout = Duration.ofSeconds(20))
      assertThat(distribution.timeout()).isEqualTo(Duration.ofSeconds(20))
      spec().compile(loss, seed = 4).use { model ->
        model.fit(x, y, epochs = 2, batchSize = 16, progress = ProgressSink.silent(), distribution = distribution)
        val kernel = model.weights().getValue("dense_1_kernel").floats()
        assertThat(kernel.indices.maxOf { abs(kernel[it] - local[it]) }).isLessThan(1e-5f)
        assertThat(kernel.count { it == 0f }).isEqualTo(12) // half of 8 x 3, on every replica alike
      }
      // Batch-norm statistics are averaged over the replicas: the fit's end-of-fit check (every
      // replica's state bit-identical) would fail otherwise.
      val withBatchNorm = sequential {
        input(6)
        dense(8)
        batchNormalization()
        dense(3) { prunable(constantSparsity(0.5, frequency = 1)) }
      }
      withBatchNorm.compile(loss, seed = 4).use { model ->
        model.fit(x, y, epochs = 2, batchSize = 16, progress = ProgressSink.silent(), distribution = distribution)
        assertThat(model.step()).isEqualTo(8L)
        val mean = model.snapshot().variables().filterKeys { it.endsWith("moving_mean") }.values.single().floats()
        assertThat(mean.any { it != 0f }).isTrue()
      }
    }
  }

  @Test
  fun workersReadingTheirOwnDataFromKotlin(@TempDir logs: Path) {
    val (x, y) = KtArraysInput.examples()
    val loss = Loss.sparseCategoricalCrossentropy(true)
    val local = spec().compile(loss, seed = 4).use { model ->
      model.fit(x, y, epochs = 2, batchSize = 16, shuffle = false, progress = ProgressSink.silent())
      model.weights().getValue("dense_1_kernel").floats()
    }
    WorkerProcesses.start(2, logs, listOf("--input", KtArraysInput::class.java.name), emptyMap()).use { workers ->
      // Worker i holds examples i, i + 2, ...: batch k of each is the chief-fed share of global batch k.
      val chiefFed = spec().compile(loss, seed = 4).use { model ->
        model.fit(x, y, epochs = 2, batchSize = 16, shuffle = false, progress = ProgressSink.silent(),
          distribution = multiWorker(workers.addresses()))
        model.weights().getValue("dense_1_kernel").floats()
      }
      spec().compile(loss, seed = 4).use { model ->
        model.fitOnWorkers(multiWorker(workers.addresses(), stepsPerEpoch = 4), epochs = 2, batchSize = 16,
          progress = ProgressSink.silent())
        assertThat(model.step()).isEqualTo(8L)
        val kernel = model.weights().getValue("dense_1_kernel").floats()
        assertThat(kernel).containsExactly(*chiefFed)
        assertThat(kernel.indices.maxOf { abs(kernel[it] - local[it]) }).isLessThan(1e-5f)
      }
    }
  }

  @Test
  fun fitOnWorkersNeedsWorkerInput() {
    spec().compile(Loss.sparseCategoricalCrossentropy(true)).use { model ->
      assertThatThrownBy { model.fitOnWorkers(multiWorker("127.0.0.1:2222")) }
        .hasMessageContaining("multiWorker(workers, stepsPerEpoch = ...)")
    }
  }

  @Test
  fun aClusterMixingLoopbackAndExternalAddressesIsRefused() {
    assertThatThrownBy { multiWorker("127.0.0.1:2222", "10.0.0.2:2222") }
        .hasMessageContaining("mixes loopback and external addresses")
  }
}
