package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.samples.data.Idx;
import dev.topiary.samples.ownloop.OwnTrainingLoop;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The "existing training loop" sample and the JShell scripts, run as a user would. */
class OwnLoopAndJShellTest {


  @Test
  void handWrittenLoopReachesItsTargetSparsity() {
    OwnTrainingLoop.Result r = OwnTrainingLoop.run(Idx.embedded("train"), Idx.embedded("t10k"), 0.9, 3, false);
    assertThat(r.steps()).isEqualTo(3 * (8000 / 64));
    assertThat(r.kernel1Sparsity()).isCloseTo(dev.topiary.ops.Measurements.expectedSparsity(784 * 128, 0.9f), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(r.kernel2Sparsity()).isCloseTo(dev.topiary.ops.Measurements.expectedSparsity(128 * 10, 0.9f), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(r.testAccuracy()).isGreaterThan(0.8);
  }

  @Test
  void ownLoopScript() throws Exception {
    assertThat(runJShell("own-loop.jsh")).contains("steps: 250, kernel sparsity: 0.8000").doesNotContain("Error");
  }

  @Test
  void dslScript() throws Exception {
    String out = runJShell("dsl-mnist.jsh");
    assertThat(out).contains("Model: Sequential", "conv2d (Conv2D)", "kernel 0.8000", "steps: 378", "epochs seen by the callback: 6",
        "dense_kernel=0.8", "test accuracy: 0.").doesNotContain("Error");
  }

  /** Runs a script of samples/jshell non-interactively with this JVM's class path; returns its output. */
  static String runJShell(String script) throws IOException, InterruptedException {
    Path file = Path.of("..", "samples", "jshell", script).toAbsolutePath().normalize();
    assertThat(file).exists();
    Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
    // jshell refuses class path entries that do not exist (a module without main classes has none).
    String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(entry -> Files.exists(Path.of(entry)))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    ProcessBuilder pb = new ProcessBuilder(jshell.toString(), "--class-path", classPath,
        file.toString()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }
}
