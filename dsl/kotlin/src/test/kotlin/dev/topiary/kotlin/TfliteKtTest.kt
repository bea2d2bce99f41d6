package dev.topiary.kotlin

import dev.topiary.dsl.layers.Activation
import dev.topiary.dsl.training.Loss
import dev.topiary.tflite.TfliteFlavour
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class TfliteKtTest {
  @Test
  fun writesAndReadsBackFromKotlin(@TempDir dir: Path) {
    val spec = sequential {
      input(28, 28)
      reshape(28, 28, 1)
      conv2d(4, 3) { activation = Activation.RELU }
      maxPooling2d(2)
      flatten()
      dense(10)
    }
    spec.compile(Loss.sparseCategoricalCrossentropy(true), seed = 1).use { model ->
      val file = dir.resolve("m.tflite")
      model.exportTflite(file, TfliteFlavour.SPARSE)
      val read = readTflite(file)
      assertThat(read.inputNames()).containsExactly("input")
      assertThat(model.tfliteBytes()).hasSizeGreaterThan(4 * 676 * 10) // the float32 dense kernel
      val back = model.spec().weightsFrom(read)
      // The file holds the model's own weights: the conv kernel comes back exactly.
      assertThat(back.getValue("conv2d_kernel").floats()).containsExactly(*model.weights().getValue("conv2d_kernel").floats())
    }
  }
}
