package dev.topiary.keras;

import static dev.topiary.fuzz.HostileFiles.sparse;
import static dev.topiary.fuzz.HostileFiles.fork;
import static dev.topiary.fuzz.HostileFiles.indexOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.ReadLimits;
import dev.topiary.fuzz.ReadFuzz;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras files a hostile or unlucky user may hand over (issue 29): a zip bomb, oversized files, an
 * empty batch shape, changed weights in a Topiary-written {@code .h5}, and a fuzz of Topiary-written
 * {@code .keras} and {@code .h5} files under a small read budget.
 */
class KerasReliabilityTest {
  /** Topiary's read budget and refusal, for {@link ReadFuzz}. */
  private static final ReadFuzz.Limits LIMITS =
      new ReadFuzz.Limits((bytes, read) -> ReadLimits.withBudget(bytes, read::read), CorruptFileException.class);

  private static final long BOMB = 300L << 20;

  @TempDir
  Path dir;

  /** The entries of a .keras zip, in order. */
  private static Map<String, byte[]> entries(Path zip) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipFile z = new ZipFile(zip.toFile())) {
      for (ZipEntry e : java.util.Collections.list(z.entries())) {
        try (var in = z.getInputStream(e)) {
          out.put(e.getName(), in.readAllBytes());
        }
      }
    }
    return out;
  }

  private static void writeZip(Path zip, Map<String, byte[]> entries) throws IOException {
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (var e : entries.entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue());
        out.closeEntry();
      }
    }
  }

  @Test
  void anEmptyBatchShapeIsAKerasFileExceptionNamingFileAndLayer() throws Exception {
    Map<String, byte[]> entries = entries(Fixtures.file("keras/mlp.keras", dir));
    String config = new String(entries.get("config.json"), StandardCharsets.UTF_8);
    String edited = config.replaceFirst("\"batch_shape\": ?\\[[^\\]]*\\]", "\"batch_shape\": []");
    assertThat(edited).isNotEqualTo(config);
    entries.put("config.json", edited.getBytes(StandardCharsets.UTF_8));
    Path file = dir.resolve("empty_batch_shape.keras");
    writeZip(file, entries);
    assertThatThrownBy(() -> KerasModels.read(file)).isInstanceOf(KerasFileException.class)
        .hasMessageStartingWith(file + ": layer '")
        .hasMessageContaining("the batch shape [] needs at least one dimension besides the batch");
  }

  /** A .keras whose weights entry inflates from 0.3 MB to 300 MB (1000:1). */
  private Path bomb() throws IOException {
    Map<String, byte[]> entries = entries(Fixtures.file("keras/mlp.keras", dir));
    Path file = dir.resolve("bomb.keras");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
      for (String name : List.of("metadata.json", "config.json")) {
        out.putNextEntry(new ZipEntry(name));
        out.write(entries.get(name));
        out.closeEntry();
      }
      out.putNextEntry(new ZipEntry("model.weights.h5"));
      byte[] zeros = new byte[1 << 20];
      for (long n = 0; n < BOMB; n += zeros.length) {
        out.write(zeros);
      }
      out.closeEntry();
    }
    assertThat(Files.size(file)).isLessThan(1 << 20);
    return file;
  }

  @Test
  void aZipBombIsRefusedBeforeInflatingByItsRatioAndByTheBudget() throws Exception {
    Path file = bomb();
    assertThatThrownBy(() -> KerasModels.read(file)).isInstanceOf(KerasFileException.class)
        .hasMessageStartingWith(file + ": model.weights.h5 would inflate from ")
        .hasMessageContaining("to " + BOMB + " bytes, more than 100 times");
    int ratio = ReadLimits.maxCompressionRatio();
    ReadLimits.setMaxCompressionRatio(100_000);
    try {
      ReadLimits.withBudget(64L << 20, () -> {
        assertThatThrownBy(() -> KerasModels.read(file)).isInstanceOf(KerasFileException.class)
            .hasMessageStartingWith(file + ": model.weights.h5 needs " + BOMB + " bytes, more than the ");
        return null;
      });
    } finally {
      ReadLimits.setMaxCompressionRatio(ratio);
    }
  }

  /** In a JVM of 256 MB heap with the default settings: refused, where reading it was an OutOfMemoryError. */
  @Test
  void inASmallHeapTheBombAndOversizedFilesAreRefused() throws Exception {
    Path bomb = bomb();
    Path keras = sparse(dir.resolve("big.keras"), new byte[] {'P', 'K', 3, 4}, 600L << 20);
    Path h5 = sparse(dir.resolve("big.h5"), new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, 600L << 20);
    for (Path file : List.of(bomb, keras, h5)) {
      assertThat(fork(ForkedRead.class, file.toString())).as(file.toString()).startsWith("refused: " + file);
    }
  }

  /** Reads one Keras file in its own JVM and prints the outcome. */
  public static final class ForkedRead {
    public static void main(String[] args) {
      try {
        KerasModels.read(Path.of(args[0]));
        System.out.println("loaded");
      } catch (KerasFileException e) {
        System.out.println("refused: " + e.getMessage());
      } catch (OutOfMemoryError e) {
        System.out.println("OutOfMemoryError: " + e.getMessage());
      } catch (Throwable e) {
        System.out.println("other: " + e);
      }
    }
  }

  @Test
  void aChangedWeightInATopiaryH5IsRefused() throws Exception {
    KerasModel mlp = KerasModels.read(Fixtures.file("keras/mlp.keras", dir));
    Path file = dir.resolve("mlp.h5");
    KerasModels.save(mlp.spec(), mlp.weights(), file);
    assertThat(KerasModels.read(file).weights()).isEqualTo(mlp.weights());
    byte[] bytes = Files.readAllBytes(file);
    float first = mlp.weights().values().iterator().next().floats()[0];
    int at = indexOf(bytes, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(first).array());
    assertThat(at).as("the first weight's bytes in the file").isPositive();
    bytes[at] ^= 1; // the lowest mantissa bit: a weight that is off by one ulp
    Files.write(file, bytes);
    assertThatThrownBy(() -> KerasModels.read(file)).isInstanceOf(KerasFileException.class)
        .hasMessage(file + ": checksum mismatch (attribute topiary_crc32): its model config or weights were changed"
            + " after Topiary wrote it, or the file is corrupt");
  }

  @Test
  void mutatedTopiaryKerasFilesAreRefusedOrUnchangedAndNeverExhaustTheHeap() throws Exception {
    ReadFuzz.assertNoneHarmful("KerasReliabilityTest", fuzz(1));
  }

  @Tag("benchmark")
  @Test
  void longFuzzOfTopiaryKerasFiles() throws Exception {
    ReadFuzz.assertNoneHarmful("KerasReliabilityTest", fuzz(20));
  }

  private List<ReadFuzz.Figures> fuzz(int scale) throws Exception {
    KerasModel mlp = KerasModels.read(Fixtures.file("keras/mlp.keras", dir));
    List<ReadFuzz.Figures> all = new ArrayList<>();
    ReadFuzz.Read read = f -> {
      KerasModel k = KerasModels.read(f);
      return List.of(ModelConfig.toJson(k.spec()), k.weights());
    };
    for (String format : List.of("keras", "h5")) {
      Path written = dir.resolve("written." + format);
      KerasModels.save(mlp.spec(), mlp.weights(), written);
      all.add(ReadFuzz.run("." + format, Files.readAllBytes(written), dir.resolve("fuzz." + format), read, 16L << 20,
          150 * scale, 100 * scale, format.hashCode(), UnaryOperator.identity(), LIMITS));
    }
    return all;
  }
}
