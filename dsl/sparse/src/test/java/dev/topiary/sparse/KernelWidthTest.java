package dev.topiary.sparse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.sparse.kernel.KernelPath;
import dev.topiary.sparse.kernel.Kernels;
import org.junit.jupiter.api.Test;

/**
 * Which kernels this test JVM runs. .ci/run reruns the sparse tests at narrower vector widths
 * ({@code -XX:MaxVectorSize=16}) and without the Vector API module, and passes the kernels it expects in
 * {@code topiary.expectKernels}: a JVM flag that did not take effect (a renamed option, a CPU that ignores
 * it) fails here instead of leaving that width untested while the run reports success.
 */
class KernelWidthTest {
  @Test
  void theKernelsThisJvmRunsAreTheOnesTheRunAskedFor() {
    Kernels k = KernelPath.AUTO.kernels();
    if (k.name().equals("scalar")) {
      assertThat(k.lanes()).isEqualTo(1);
      assertThat(KernelPath.vectorAvailable()).isFalse();
    } else {
      assertThat(k.name()).matches("vector-(128|256|512)");
      assertThat(k.lanes() * 32).isEqualTo(Integer.parseInt(k.name().substring("vector-".length())));
    }
    String expected = System.getProperty("topiary.expectKernels");
    if (expected != null && !expected.isEmpty()) {
      assertThat(k.name()).as("kernels in this JVM (flags: %s)", System.getProperty("topiary.testFlags", "?"))
          .isEqualTo(expected);
    }
    System.out.println("sparse kernels in this run: " + k.name());
  }

  @Test
  void scalarIsAlwaysThereAndVectorRefusesClearlyWithoutItsModule() {
    assertThat(KernelPath.SCALAR.kernels().name()).isEqualTo("scalar");
    if (!KernelPath.vectorAvailable()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(KernelPath.VECTOR::kernels)
          .hasMessageContaining("--add-modules jdk.incubator.vector");
    }
  }
}
