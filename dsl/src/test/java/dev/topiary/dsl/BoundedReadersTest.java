package dev.topiary.dsl;

import static dev.topiary.fuzz.HostileFiles.sparse;
import static dev.topiary.fuzz.HostileFiles.fork;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.config.Json;
import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.BinaryFormat;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.ReadLimits;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.state.SnapshotFile;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers bounded by memory (issue 29): a file's magic and length are checked before it is read, and
 * every allocation a read makes is charged to the {@link ReadLimits} budget first. The oversized files
 * are sparse (no disk is used). The forked cases run a reader in a JVM of 256 MB heap with the default
 * budget, where reading the whole 600 MB file (what the readers did) is an OutOfMemoryError.
 */
class BoundedReadersTest {
  private static final long BIG = 600L << 20;

  @TempDir
  Path dir;

  @Test
  void oversizedFilesAreRefusedBeforeTheyAreRead() throws Exception {
    Path wrongMagic = sparse(dir.resolve("wrong.tpck"), "NOPE".getBytes(StandardCharsets.US_ASCII), BIG);
    assertThatThrownBy(() -> SnapshotFile.read(wrongMagic)).isInstanceOf(CorruptFileException.class)
        .hasMessage(wrongMagic + ": not a Topiary checkpoint (bad magic)");
    Path tpck = sparse(dir.resolve("big.tpck"), "TPCK".getBytes(StandardCharsets.US_ASCII), BIG);
    Path tpsw = sparse(dir.resolve("big.tpsw"), "TPSW".getBytes(StandardCharsets.US_ASCII), BIG);
    ReadLimits.withBudget(64 << 20, () -> {
      assertThatThrownBy(() -> SnapshotFile.read(tpck)).isInstanceOf(CorruptFileException.class)
          .hasMessage(tpck + ": the file needs " + BIG + " bytes, more than the 67108864 left of the read budget of"
              + " 67108864 bytes (ReadLimits.setBudget or -Dtopiary.readBudget raise it)");
      assertThatThrownBy(() -> SparseWeights.read(tpsw)).isInstanceOf(CorruptFileException.class)
          .hasMessageStartingWith(tpsw + ": the file needs " + BIG + " bytes, more than");
      assertThatThrownBy(() -> BinaryFormat.readAll(tpsw)).isInstanceOf(CorruptFileException.class)
          .hasMessageStartingWith(tpsw + ": the file needs " + BIG + " bytes");
      return null;
    });
  }

  /** The budget counts what a file decodes to: a .tpsw bitmask of n bytes describes 8 n floats (32 n bytes). */
  @Test
  void decodedSizesAreChargedToTheBudget() throws Exception {
    Map<String, HostArray> weights = new LinkedHashMap<>();
    weights.put("w", HostArray.ofFloats(new float[1 << 20], 1 << 20)); // all zeros: 128 KiB of bitmask
    Path file = dir.resolve("zeros.tpsw");
    SparseWeights.write(file, weights, SparseWeights.Encoding.FLOAT32);
    assertThat(Files.size(file)).isLessThan(140_000);
    assertThat(SparseWeights.read(file).get("w").floats()).hasSize(1 << 20);
    ReadLimits.withBudget(1 << 21, () -> {
      assertThatThrownBy(() -> SparseWeights.read(file)).isInstanceOf(CorruptFileException.class)
          .hasMessageStartingWith(file + ": tensor 'w' values needs 4194304 bytes, more than the ");
      return null;
    });
  }

  @Test
  void budgetSettingsAreValidatedAndScoped() throws Exception {
    long before = ReadLimits.budget();
    assertThat(ReadLimits.defaultBudget()).isEqualTo(Runtime.getRuntime().maxMemory() / 2);
    assertThat(ReadLimits.withBudget(12345, ReadLimits::budget)).isEqualTo(12345);
    assertThat(ReadLimits.budget()).isEqualTo(before);
    assertThatThrownBy(() -> ReadLimits.setBudget(0)).hasMessage("read budget must be positive, got 0");
    assertThatThrownBy(() -> ReadLimits.setMaxCompressionRatio(-1)).hasMessage("compression ratio must be positive, got -1");
    ReadLimits.setBudget(777);
    try {
      assertThat(ReadLimits.budget()).isEqualTo(777);
    } finally {
      ReadLimits.resetBudget();
    }
    assertThat(ReadLimits.budget()).isEqualTo(before);
  }

  /** A model directory whose manifest matches an oversized state or config: refused before reading it. */
  @Test
  void aModelDirectoryListingOversizedFilesIsRefusedBeforeReadingThem() throws Exception {
    Path model = savedModel("model");
    Path state = sparse(model.resolve(ModelFiles.STATE), "TPCK".getBytes(StandardCharsets.US_ASCII), BIG);
    setManifestSize(model, ModelFiles.STATE, BIG);
    ReadLimits.withBudget(64 << 20, () -> {
      assertThatThrownBy(() -> ModelFiles.loadSpec(model)).isInstanceOf(CorruptFileException.class)
          .hasMessageStartingWith(state + ": the file needs " + BIG + " bytes, more than");
      return null;
    });

    Path other = savedModel("other");
    long jsonSize = 100L << 20;
    Path json = sparse(other.resolve(ModelFiles.CONFIG), "{".getBytes(StandardCharsets.US_ASCII), jsonSize);
    setManifestSize(other, ModelFiles.CONFIG, jsonSize);
    assertThatThrownBy(() -> ModelFiles.loadSpec(other)).isInstanceOf(CorruptFileException.class)
        .hasMessage(json + ": has " + jsonSize + " bytes, more than a model config may have (16777216)");
    assertThatThrownBy(() -> ModelConfig.read(json)).isInstanceOf(CorruptFileException.class)
        .hasMessage(json + ": has " + jsonSize + " bytes, more than a model config may have (16777216)");
  }

  /** The default budget protects a JVM of small heap: the reads that threw OutOfMemoryError are refused. */
  @Test
  void inASmallHeapOversizedFilesAreRefusedNotAnOutOfMemoryError() throws Exception {
    Path tpck = sparse(dir.resolve("big.tpck"), "TPCK".getBytes(StandardCharsets.US_ASCII), BIG);
    Path tpsw = sparse(dir.resolve("big.tpsw"), "TPSW".getBytes(StandardCharsets.US_ASCII), BIG);
    Path model = savedModel("model");
    sparse(model.resolve(ModelFiles.STATE), "TPCK".getBytes(StandardCharsets.US_ASCII), BIG);
    setManifestSize(model, ModelFiles.STATE, BIG);
    List<String> outcomes = new ArrayList<>();
    for (String[] read : List.of(new String[] {"tpck", tpck.toString()}, new String[] {"tpsw", tpsw.toString()},
        new String[] {"dir", model.toString()})) {
      outcomes.add(read[0] + " " + fork(ForkedRead.class, read));
    }
    assertThat(outcomes).allSatisfy(o -> assertThat(o).contains("refused: ").contains("bytes, more than the"));
  }

  private Path savedModel(String name) throws IOException {
    Path model = dir.resolve(name);
    try (Model m = Sequential.of(Input.of(3), Dense.of(2))
        .compile(Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()).seed(1))) {
      ModelFiles.save(m, model);
    }
    return model;
  }

  @SuppressWarnings("unchecked")
  private static void setManifestSize(Path model, String file, long size) throws IOException {
    Path manifest = model.resolve(ModelFiles.MANIFEST);
    Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(manifest));
    ((Map<String, Object>) ((Map<String, Object>) root.get("files")).get(file)).put("size", size);
    Files.writeString(manifest, Json.write(root));
  }

  /** Reads one file in its own JVM and prints the outcome: refused, loaded, or an OutOfMemoryError. */
  public static final class ForkedRead {
    public static void main(String[] args) {
      Path file = Path.of(args[1]);
      try {
        switch (args[0]) {
          case "tpck" -> SnapshotFile.read(file);
          case "tpsw" -> SparseWeights.read(file);
          case "dir" -> ModelFiles.loadSpec(file);
          default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("loaded");
      } catch (CorruptFileException e) {
        System.out.println("refused: " + e.getMessage());
      } catch (OutOfMemoryError e) {
        System.out.println("OutOfMemoryError: " + e.getMessage());
      } catch (Throwable e) {
        System.out.println("other: " + e);
      }
    }
  }
}
