package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.AtomicFiles;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved model directory is one atomic unit, covered by its manifest (issue 11, findings 2 and 5). */
class ModelFilesTest {
  static final Compile COMPILE = Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true)).seed(5);

  /**
   * Two models with the same variables but different definitions (activation) and weights: a
   * definition of one beside the state of the other predicts like neither.
   */
  static ModelSpec spec(boolean a) {
    return Sequential.of(Input.of(6), Dense.of(32, a ? Activation.RELU : Activation.TANH)
        .prunable(PolynomialDecay.of(0.3, 0.8, 0, 80, 3, 3)), Dense.of(3));
  }

  static Compile compile(boolean a) {
    return Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true)).seed(a ? 1 : 2);
  }

  static HostArray inputs() {
    Random r = new Random(3);
    float[] v = new float[5 * 6];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return HostArray.of(v, 5, 6);
  }

  static float[] predictions(Path dir) throws Exception {
    try (Model m = ModelFiles.load(dir, COMPILE)) {
      return m.predict(inputs()).floats();
    }
  }

  static String[] listing(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void savesReplaceTheWholeDirectoryAndLoadVerifiesIt(@TempDir Path root) throws Exception {
    Path dir = root.resolve("model");
    float[] a;
    float[] b;
    try (Model ma = spec(true).compile(compile(true)); Model mb = spec(false).compile(compile(false))) {
      a = ma.predict(inputs()).floats();
      b = mb.predict(inputs()).floats();
      ModelFiles.save(ma, dir);
      assertThat(predictions(dir)).containsExactly(a);
      ModelFiles.save(mb, dir);
    }
    assertThat(predictions(dir)).containsExactly(b).isNotEqualTo(a);
    assertThat(listing(dir)).containsExactly(ModelFiles.MANIFEST, ModelFiles.CONFIG, ModelFiles.STATE);
    assertThat(listing(root)).containsExactly("model"); // nothing left beside it
    assertThat(ModelFiles.loadSpec(dir).layerNames()).containsExactly("dense", "dense_1");
  }

  @Test
  void filesThatDoNotMatchTheManifestAreRefusedNamingTheFile(@TempDir Path root) throws Exception {
    Path a = root.resolve("a");
    Path b = root.resolve("b");
    try (Model ma = spec(true).compile(compile(true)); Model mb = spec(false).compile(compile(false))) {
      ModelFiles.save(ma, a);
      ModelFiles.save(mb, b);
    }
    // One changed byte in model.json: before the manifest, this loaded without that layer's pruning.
    Path config = a.resolve(ModelFiles.CONFIG);
    String json = Files.readString(config);
    assertThat(json).contains("\"pruning\"");
    Files.writeString(config, json.replace("\"pruning\"", "\"pEuning\""));
    assertThatThrownBy(() -> ModelFiles.load(a, COMPILE)).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessage(config.toAbsolutePath() + ": its SHA-256 does not match manifest.json: the file was changed or comes"
            + " from another save");
    assertThatThrownBy(() -> ModelFiles.loadSpec(a)).isInstanceOf(CorruptFileException.class);
    Files.writeString(config, json);
    assertThat(ModelFiles.loadSpec(a).layerNames()).containsExactly("dense", "dense_1");

    // One model's definition beside the other's state: what the per-file saves left after a kill.
    Files.copy(b.resolve(ModelFiles.STATE), a.resolve(ModelFiles.STATE), StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> ModelFiles.load(a, COMPILE)).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith(a.resolve(ModelFiles.STATE).toAbsolutePath() + ": ");
    Files.copy(b.resolve(ModelFiles.CONFIG), a.resolve(ModelFiles.CONFIG), StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> ModelFiles.load(a, COMPILE)).hasMessageStartingWith(config.toAbsolutePath() + ": ");

    Files.delete(b.resolve(ModelFiles.MANIFEST));
    assertThatThrownBy(() -> ModelFiles.load(b, COMPILE)).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessage(b + ": no manifest.json: not a complete saved model directory");
    assertThatThrownBy(() -> ModelFiles.load(root.resolve("none"), COMPILE)).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aSaveKilledBetweenItsRenamesLeavesTheCompleteOldModel(@TempDir Path root) throws Exception {
    Path dir = root.resolve("model");
    float[] a;
    try (Model ma = spec(true).compile(compile(true)); Model mb = spec(false).compile(compile(false))) {
      a = ma.predict(inputs()).floats();
      ModelFiles.save(ma, dir);
      // What the disk holds after a kill between "model -> .model.previous" and ".model.saving-x -> model",
      // plus abandoned temporary directories from earlier kills (this version's name and the former one).
      Files.move(dir, root.resolve(".model.previous"));
      Files.createDirectories(root.resolve(".model.saving-0123").resolve("junk"));
      Files.createDirectories(root.resolve(".model.tmp-0123").resolve("junk"));
      assertThat(predictions(dir)).containsExactly(a);
      ModelFiles.save(mb, dir);
      assertThat(listing(root)).containsExactly("model");
      assertThat(predictions(dir)).containsExactly(mb.predict(inputs()).floats());
    }
  }

  @Test
  void aDirectoryHoldingOtherFilesIsNeverReplaced(@TempDir Path root) throws Exception {
    Path dir = Files.createDirectories(root.resolve("mine"));
    Files.writeString(dir.resolve("notes.txt"), "precious");
    try (Model ma = spec(true).compile(compile(true))) {
      assertThatThrownBy(() -> ModelFiles.save(ma, dir)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("it holds other files than a saved model's [notes.txt]");
      Path file = Files.writeString(root.resolve("plain"), "x");
      assertThatThrownBy(() -> ModelFiles.save(ma, file)).hasMessageContaining("it exists and is not a directory");
    }
    assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("precious");
  }

  @Test
  void writtenFilesHonourTheUmask(@TempDir Path root) throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions only");
    // What a plain create gives under this process's umask (0644 under umask 022).
    Set<PosixFilePermission> fileDefault = Files.getPosixFilePermissions(Files.createFile(root.resolve("probe")));
    Set<PosixFilePermission> dirDefault = Files.getPosixFilePermissions(Files.createDirectory(root.resolve("probe.d")));
    Path file = root.resolve("out.bin");
    AtomicFiles.write(file, "x".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(fileDefault); // was always 0600
    Path dir = root.resolve("model");
    try (Model ma = spec(true).compile(compile(true))) {
      ModelFiles.save(ma, dir);
      ModelFiles.save(ma, dir);
    }
    assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(dirDefault);
    for (String name : listing(dir)) {
      assertThat(Files.getPosixFilePermissions(dir.resolve(name))).as(name).isEqualTo(fileDefault);
    }
  }
}
