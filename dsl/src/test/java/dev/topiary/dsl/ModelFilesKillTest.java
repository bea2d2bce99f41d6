package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.topiary.dsl.export.CorruptFileException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM that saves two different models alternately into one directory, at random moments, and
 * loads what is left: always exactly one of the two models (issue 11, finding 2: with per-file saves,
 * every trial left one model's {@code model.json} beside the other's {@code state.tpck} and loading
 * accepted the mix).
 */
class ModelFilesKillTest {

  /** Outcomes of the trials. */
  record Outcome(int a, int b, int refused, List<String> errors) {}

  @Test
  void aKilledSaveLeavesTheCompleteOldOrTheCompleteNewModel(@TempDir Path root) throws Exception {
    Outcome o = killWhileSaving(root, 20, 11);
    assertThat(o.refused()).as("loads refused: %s", o.errors()).isZero();
    assertThat(o.a() + o.b()).isEqualTo(20);
  }

  @Test
  @Tag("benchmark")
  void twoHundredKills(@TempDir Path root) throws Exception {
    Outcome o = killWhileSaving(root, 200, 12);
    assertThat(o.refused()).as("loads refused: %s", o.errors()).isZero();
    assertThat(o.a() + o.b()).isEqualTo(200);
  }

  static Outcome killWhileSaving(Path root, int trials, long seed) throws Exception {
    Path a = root.resolve("a");
    Path b = root.resolve("b");
    Path dir = root.resolve("model");
    float[] pa;
    float[] pb;
    try (Model ma = ModelFilesTest.spec(true).compile(ModelFilesTest.compile(true));
        Model mb = ModelFilesTest.spec(false).compile(ModelFilesTest.compile(false))) {
      ModelFiles.save(ma, a);
      ModelFiles.save(mb, b);
      ModelFiles.save(ma, dir);
      pa = ma.predict(ModelFilesTest.inputs()).floats();
      pb = mb.predict(ModelFilesTest.inputs()).floats();
    }
    assertThat(pa).isNotEqualTo(pb);
    Random random = new Random(seed);
    int countA = 0;
    int countB = 0;
    int refused = 0;
    List<String> errors = new ArrayList<>();
    int betweenRenames = 0;
    int previousLeft = 0;
    int tempLeft = 0;
    for (int trial = 0; trial < trials; trial++) {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process saver = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
          System.getProperty("java.class.path"), Saver.class.getName(), a.toString(), b.toString(), dir.toString())
          .redirectErrorStream(true).start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(saver.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"saving".equals(line)) {
          fail("the saver did not start: " + line + "\n" + String.join("\n", out.lines().toList()));
        }
        Thread.sleep(random.nextInt(120)); // a random moment: some saves done, one under way
      } finally {
        saver.destroyForcibly();
        saver.waitFor(30, TimeUnit.SECONDS);
      }
      // Where the kill fell, as the disk shows it.
      boolean hasPrevious = Files.exists(root.resolve(".model.previous"));
      if (!Files.exists(dir)) {
        betweenRenames++;
      } else if (hasPrevious) {
        previousLeft++;
      }
      try (var siblings = Files.list(root)) {
        if (siblings.anyMatch(p -> p.getFileName().toString().startsWith(".model.tmp-"))) {
          tempLeft++;
        }
      }
      try {
        float[] p = ModelFilesTest.predictions(dir);
        if (Arrays.equals(p, pa)) {
          countA++;
        } else if (Arrays.equals(p, pb)) {
          countB++;
        } else {
          fail("trial " + trial + ": the loaded model predicts like neither saved model");
        }
      } catch (CorruptFileException e) {
        refused++;
        errors.add(e.getMessage());
      }
    }
    System.out.printf("ModelFilesKillTest: %d kills: model A %d, model B %d, refused %d; the kill left the directory"
        + " missing (between the renames) %d times, a previous copy beside it %d times, a partial new one %d times%n",
        trials, countA, countB, refused, betweenRenames, previousLeft, tempLeft);
    return new Outcome(countA, countB, refused, errors);
  }

  /** The child JVM: saves model a, model b, a, b, ... into one directory until it is killed. */
  public static final class Saver {
    private Saver() {}

    public static void main(String[] args) throws Exception {
      Path a = Path.of(args[0]);
      Path b = Path.of(args[1]);
      Path dir = Path.of(args[2]);
      byte[][] configs = {Files.readAllBytes(a.resolve(ModelFiles.CONFIG)), Files.readAllBytes(b.resolve(ModelFiles.CONFIG))};
      Checkpoint[] states = {Checkpoint.read(a.resolve(ModelFiles.STATE)), Checkpoint.read(b.resolve(ModelFiles.STATE))};
      // Warm up on a scratch directory so the kills fall into saves of the real one.
      Path scratch = dir.resolveSibling(dir.getFileName() + "-warmup");
      ModelFiles.write(scratch, configs[0], states[0]);
      System.out.println("saving");
      System.out.flush();
      for (int i = 0; ; i++) {
        ModelFiles.write(dir, configs[i % 2], states[i % 2]);
      }
    }
  }
}
