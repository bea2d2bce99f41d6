package dev.topiary.kotlin

import dev.topiary.dsl.training.Metric
import dev.topiary.dsl.training.Loss
import dev.topiary.ops.PruningSpec
import dev.topiary.ops.schedule.ConstantSparsity
import dev.topiary.samples.data.Idx
import dev.topiary.samples.keras.KerasPruning
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class KerasKtTest {
  @TempDir
  lateinit var dir: Path

  @Test
  fun aKerasModelInAndOutFromKotlin() {
    val file = dir.resolve("cnn.keras")
    KerasPruning::class.java.getResourceAsStream("mnist_cnn_pretrained.keras")!!.use {
      Files.copy(it, file, StandardCopyOption.REPLACE_EXISTING)
    }
    val keras = kerasModel(file, preloadTensorFlow = true) // TF loads while the file is read
    assertThat(keras.spec().layerNames()).contains("conv2d_1", "dense_1")
    val test = Idx.embedded("t10k")
    val pruned = keras.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0)))
    keras.compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), spec = pruned).use { model ->
      // Keras 3.15.1 evaluated this model at 0.9170 on the same test set (samples/tools/make_pretrained_cnn.py).
      assertThat(model.evaluate(test.dataset())["accuracy"]).isEqualTo(0.917, org.assertj.core.api.Assertions.within(1e-4))
      val out = dir.resolve("again.keras")
      model.saveKeras(out)
      assertThat(kerasModel(out).weights()).isEqualTo(keras.weights())
    }
  }
}
