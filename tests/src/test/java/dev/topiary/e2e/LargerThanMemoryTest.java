package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains in a JVM whose heap (96 MB) is a third of its training data (100,000 MNIST-sized examples,
 * 314 MB of floats a pass, two passes): only a streaming dataset can do it.
 */
class LargerThanMemoryTest {

  @Test
  void aGeneratorLargerThanTheHeapTrains(@TempDir Path dir) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = dir.resolve("worker.log");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xmx96m", "-cp", System.getProperty("java.class.path"),
        LargerThanMemoryScenario.class.getName()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process worker = pb.start();
    boolean done = worker.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      worker.destroyForcibly();
    }
    String out = Files.readString(log);
    assertThat(done).as("finished in time; log: %s", out).isTrue();
    assertThat(worker.exitValue()).as("exit status; log: %s", out).isZero();
    assertThat(out).contains("examples seen: 200000", "max heap MB: 96");
    double accuracy = Double.parseDouble(out.replaceAll("(?s).*accuracy: ([0-9.]+).*", "$1"));
    assertThat(accuracy).as("the generated classes are separable").isGreaterThan(0.9);
  }
}
