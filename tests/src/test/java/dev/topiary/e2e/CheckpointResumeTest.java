package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.ops.Measurements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill a training JVM mid-epoch, resume from its last checkpoint in this JVM, and end with exactly the
 * weights, masks, step and optimizer state of an uninterrupted run.
 */
class CheckpointResumeTest {

  @Test
  void resumedRunEndsExactlyLikeAnUninterruptedOne(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("training.tpck");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        CheckpointScenario.class.getName(), file.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("worker.log").toFile());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process worker = pb.start();
    Checkpoint last = null;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    try {
      // Wait for a mid-epoch checkpoint in the second epoch, then kill the worker without warning.
      while (System.nanoTime() < deadline && worker.isAlive()) {
        if (Files.exists(file)) {
          Checkpoint c = Checkpoint.read(file);
          if (c.epoch() == 1 && c.batch() > 0 && c.step() >= 45) {
            last = c;
            break;
          }
        }
        Thread.sleep(20);
      }
    } finally {
      worker.destroyForcibly();
      worker.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(last).as("a mid-epoch checkpoint; worker log: %s", Files.readString(dir.resolve("worker.log"))).isNotNull();
    Checkpoint killedAt = Checkpoint.read(file); // the file on disk after the kill is whole
    assertThat(killedAt.step()).isGreaterThanOrEqualTo(last.step());

    // Saved pruned weights are sparse: at least as many zeros as the mask prunes.
    float[] kernel = killedAt.saved().get("dense_kernel").floats();
    float[] mask = killedAt.saved().get("dense_kernel_prune_mask").floats();
    assertThat(Measurements.sparsity(kernel)).isGreaterThanOrEqualTo(Measurements.sparsity(mask)).isGreaterThan(0.3);

    HostArray[] d = CheckpointScenario.data();
    Snapshot resumed;
    try (Model model = CheckpointScenario.spec().compile(CheckpointScenario.compile())) {
      model.restore(killedAt.snapshot());
      model.fit(d[0], d[1], CheckpointScenario.fit().resumeFrom(killedAt));
      resumed = model.snapshot();
    }
    Snapshot uninterrupted;
    try (Model model = CheckpointScenario.spec().compile(CheckpointScenario.compile())) {
      model.fit(d[0], d[1], CheckpointScenario.fit());
      uninterrupted = model.snapshot();
    }
    assertThat(resumed.get("global_step").longs()).containsExactly(3 * 32);
    assertThat(resumed).isEqualTo(uninterrupted);
  }

  @Test
  void resumingWithOtherSettingsOrWithoutRestoringIsRefused(@TempDir Path dir) throws Exception {
    HostArray[] d = CheckpointScenario.data();
    Path file = dir.resolve("c.tpck");
    try (Model model = CheckpointScenario.spec().compile(CheckpointScenario.compile())) {
      model.fit(d[0], d[1], CheckpointScenario.fit().checkpoints(file, 0));
    }
    Checkpoint c = Checkpoint.read(file);
    assertThat(c.epoch()).isEqualTo(3);
    try (Model model = CheckpointScenario.spec().compile(CheckpointScenario.compile())) {
      assertThatThrownBy(() -> model.fit(d[0], d[1], CheckpointScenario.fit().resumeFrom(c)))
          .hasMessageStartingWith("restore the checkpoint into the model before resuming");
      model.restore(c.snapshot());
      assertThatThrownBy(() -> model.fit(d[0], d[1], CheckpointScenario.fit().batchSize(30).resumeFrom(c)))
          .hasMessageStartingWith("the checkpoint was taken with other training settings or data");
    }
    byte[] bytes = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.tpck");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> Checkpoint.read(cut)).isInstanceOf(CorruptFileException.class)
        .hasMessage(cut + ": checksum mismatch: the file is corrupt or truncated");
    Path other = dir.resolve("other.bin");
    Files.writeString(other, "certainly not a checkpoint");
    assertThatThrownBy(() -> Checkpoint.read(other)).hasMessage(other + ": not a Topiary checkpoint (bad magic)");
  }
}
