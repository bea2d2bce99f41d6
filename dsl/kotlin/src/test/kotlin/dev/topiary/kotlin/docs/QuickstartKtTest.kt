package dev.topiary.kotlin.docs

import java.io.ByteArrayOutputStream
import java.io.PrintStream
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** docs/getting-started.md's Kotlin quickstart runs as shown and prints what its comment says. */
class QuickstartKtTest {
  @Test
  fun `the Kotlin quickstart trains and prunes its hidden layer to 80 percent`() {
    val out = System.out
    val captured = ByteArrayOutputStream()
    System.setOut(PrintStream(captured, true, Charsets.UTF_8))
    try {
      main()
    } finally {
      System.setOut(out)
    }
    val printed = captured.toString(Charsets.UTF_8)
    print(printed)
    // 50 units x 2 inputs = 100 weights: 80 % is exactly 80 zeros
    assertThat(printed).contains("{dense_kernel=0.8, dense_1_kernel=0.0}")
  }
}
