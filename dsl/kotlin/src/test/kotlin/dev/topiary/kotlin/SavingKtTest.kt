package dev.topiary.kotlin

import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.layers.Activation
import dev.topiary.dsl.training.Compile
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Optimizer
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.data.Offset
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class SavingKtTest {
  @TempDir
  lateinit var dir: Path

  private val spec = sequential {
    input(4)
    dense(6) { activation = Activation.TANH }
    dense(2)
  }

  @Test
  fun saveLoadAndLoadWeightsByFileName() {
    val x = HostArray.ofFloats(FloatArray(12) { it / 7f - 0.8f }, 3, 4)
    spec.compile(Loss.meanSquaredError(), seed = 2).use { model ->
      val expected = model.predict(x).floats()
      model.save(dir.resolve("m.keras"))
      loadModel(dir.resolve("m.keras"), Compile.of(Optimizer.adam(), Loss.meanSquaredError())).use { back ->
        assertThat(back.predict(x).floats()).containsExactly(expected, Offset.offset(1e-6f))
      }
      model.save(dir.resolve("m.bin"), "tpsw")
      spec.compile(Loss.meanSquaredError(), seed = 9).use { other ->
        other.loadWeights(dir.resolve("m.bin"))
        assertThat(other.predict(x).floats()).containsExactly(expected, Offset.offset(0f))
      }
    }
  }

  @Test
  fun aReadBudgetScopedToABlockRefusesLargerFiles() {
    spec.compile(Loss.meanSquaredError(), seed = 2).use { model -> model.save(dir.resolve("m.tpsw")) }
    val before = readBudget
    val refused = org.assertj.core.api.Assertions.catchThrowable {
      withReadBudget(16) { dev.topiary.dsl.export.SparseWeights.read(dir.resolve("m.tpsw")) }
    }
    assertThat(refused).isInstanceOf(dev.topiary.dsl.export.CorruptFileException::class.java)
        .hasMessageContaining("more than the 16 left of the read budget of 16 bytes")
    assertThat(withReadBudget(1L shl 20) { dev.topiary.dsl.export.SparseWeights.read(dir.resolve("m.tpsw")) }).hasSize(4)
    assertThat(readBudget).isEqualTo(before)
    readBudget = 12345
    try {
      assertThat(readBudget).isEqualTo(12345)
    } finally {
      dev.topiary.dsl.export.ReadLimits.resetBudget()
    }
  }
}
