package dev.topiary.kotlin

import dev.topiary.ops.GlobalPruningSpec
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

class GlobalTest {
  private fun spec() = sequential {
    input(12)
    dense(16)
    dense(8)
    dense(3)
  }

  @Test
  fun aGlobalGroupFromKotlin() {
    val group = globalPruning(constantSparsity(0.9, frequency = 1), name = "g", keepAtLeast = 3,
        normalization = GlobalPruningSpec.Normalization.MAX_ABS)
    val pruned = spec().prunedGlobally(group, layers = listOf("dense", "dense_2"))
    assertThat(pruned.globalGroups()[group]!!.keys).containsExactly("dense_kernel", "dense_2_kernel")
    assertThat(group.minKept()).isEqualTo(3L)
    assertThat(group.maxSparsity()).isEqualTo(1f)
    assertThat(spec().prunedGlobally(group).globalGroups()[group]!!.keys)
        .containsExactly("dense_kernel", "dense_1_kernel", "dense_2_kernel")
  }
}
