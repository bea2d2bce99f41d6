package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated Keras files (random bytes flipped, truncated, or bytes zeroed, fixed seeds): every read
 * either succeeds or fails with a {@link KerasFileException}, within a time bound; never another
 * exception, a hang or an out-of-memory error. {@code -Dtopiary.keras.fuzz=N} runs N mutations per file.
 */
class KerasFuzzTest {
  @TempDir
  Path dir;

  @Test
  void mutatedFilesFailCleanly() throws Exception {
    int rounds = Integer.getInteger("topiary.keras.fuzz", 60);
    List<String> unexpected = new ArrayList<>();
    int refused = 0;
    int read = 0;
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "keras-fuzz");
      t.setDaemon(true);
      return t;
    });
    try {
      for (String fixture : List.of("keras/mlp.keras", "keras/mlp.h5", "keras/two_inputs.keras", "keras/text_lstm.h5")) {
        byte[] original = Files.readAllBytes(Fixtures.file(fixture, dir));
        Random random = new Random(fixture.hashCode());
        int refusedBefore = refused;
        int readBefore = read;
        for (int round = 0; round < rounds; round++) {
          byte[] bytes = mutate(original, random);
          Path file = dir.resolve("fuzz" + (fixture.endsWith(".h5") ? ".h5" : ".keras"));
          Files.write(file, bytes);
          Future<Object> result = pool.submit(() -> KerasModels.read(file));
          try {
            result.get(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS);
            read++;
          } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof KerasFileException) {
              refused++;
            } else {
              unexpected.add(fixture + " round " + round + ": " + e.getCause());
            }
          } catch (java.util.concurrent.TimeoutException e) {
            result.cancel(true);
            unexpected.add(fixture + " round " + round + ": no answer within 20 s");
            break;
          }
        }
        System.out.printf("Keras fuzz %s: %d refused, %d read%n", fixture, refused - refusedBefore, read - readBefore);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(unexpected).as("reads that neither succeeded nor failed cleanly").isEmpty();
    assertThat(refused).isPositive();
    System.out.printf("Keras fuzz: %d mutated files refused cleanly, %d read%n", refused, read);
  }

  private static byte[] mutate(byte[] original, Random random) {
    byte[] b = original.clone();
    switch (random.nextInt(3)) {
      case 0 -> {
        for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) {
          b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
      default -> {
        int at = random.nextInt(b.length);
        for (int i = at; i < Math.min(b.length, at + 1 + random.nextInt(64)); i++) {
          b[i] = (byte) (random.nextBoolean() ? 0 : 0xFF);
        }
      }
    }
    return b;
  }
}
