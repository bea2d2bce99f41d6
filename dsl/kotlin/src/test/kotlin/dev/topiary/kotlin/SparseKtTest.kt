package dev.topiary.kotlin

import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.layers.Activation
import dev.topiary.dsl.training.Loss
import dev.topiary.sparse.Format
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.within
import org.junit.jupiter.api.Test
import kotlin.random.Random

class SparseKtTest {
  @Test
  fun runsAStrippedModelWithTheChosenFormats() {
    val spec = sequential {
      input(12)
      dense(9) { activation = Activation.RELU }
      dense(3)
    }
    spec.compile(Loss.sparseCategoricalCrossentropy(true), seed = 3).use { model ->
      // Zero about 80 % of the first kernel by hand, as pruning would.
      val weights = model.weights().toMutableMap()
      val kernel = weights.getValue("dense_kernel")
      val values = kernel.floats().mapIndexed { i, v -> if (i % 5 == 0) v else 0f }.toFloatArray()
      weights["dense_kernel"] = HostArray.of(values, *kernel.shape())
      model.setWeights(weights)

      model.sparse(calibrate = false, formats = mapOf("dense" to Format.CSR, "dense_1" to Format.DENSE)).use { fast ->
        assertThat(fast.plan().map { it.variable() to it.format() })
            .containsExactly("dense_kernel" to Format.CSR, "dense_1_kernel" to Format.DENSE)
        val random = Random(7)
        val x = HostArray.of(FloatArray(5 * 12) { random.nextFloat() * 2 - 1 }, 5, 12)
        val expected = model.predict(x).floats()
        val actual = fast.predict(x).floats()
        assertThat(actual.size).isEqualTo(expected.size)
        for (i in expected.indices) {
          assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f))
        }
      }
    }
  }

  @Test
  fun choosesChannelMajorPlanesByPixels() {
    val spec = sequential {
      input(16, 16, 3)
      conv2d(8, 1)
      layer(dev.topiary.dsl.layers.convolution.DepthwiseConv2D.of(3))
      globalAveragePooling2d()
    }
    spec.compile(Loss.meanSquaredError(), seed = 5).use { model ->
      model.sparse(calibrate = false, channelMajorFrom = 1).use { planes ->
        assertThat(planes.channelMajorLayers()).isNotEmpty()
        val x = HostArray.of(FloatArray(16 * 16 * 3) { (it % 7) / 7f }, 1, 16, 16, 3)
        val expected = model.predict(x).floats()
        val actual = planes.predict(x).floats()
        for (i in expected.indices) {
          assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f))
        }
      }
      model.sparse(calibrate = false, channelMajorFrom = 0).use { assertThat(it.channelMajorLayers()).isEmpty() }
    }
  }
}
