package dev.topiary.tflite;

import static dev.topiary.fuzz.HostileFiles.sparse;
import static dev.topiary.fuzz.HostileFiles.fork;
import static dev.topiary.fuzz.HostileFiles.indexOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.ReadLimits;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.fuzz.ReadFuzz;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TFLite files a hostile or unlucky user may hand over (issue 29): changed weights in a file Topiary
 * wrote (its checksum), a file without the checksum, oversized files, and a fuzz of every flavour under
 * a small read budget.
 */
class TfliteReliabilityTest {
  /** Topiary's read budget and refusal, for {@link ReadFuzz}. */
  private static final ReadFuzz.Limits LIMITS =
      new ReadFuzz.Limits((bytes, read) -> ReadLimits.withBudget(bytes, read::read), CorruptFileException.class);

  private static final ModelSpec SPEC = Sequential.of(Input.of(6, 6), Reshape.of(6, 6, 1),
      Conv2D.of(4, 3).activation(Activation.RELU), Flatten.of(), Dense.of(3));
  private static Map<String, HostArray> weights;

  @TempDir
  Path dir;

  @BeforeAll
  static void weights() {
    try (Model model = SPEC.compile(TfliteExportTest.COMPILE)) {
      Map<String, HostArray> w = new HashMap<>(model.weights());
      float[] kernel = w.get("dense_kernel").floats().clone();
      Random r = new Random(1);
      for (int i = 0; i < kernel.length; i++) {
        if (r.nextInt(5) != 0) {
          kernel[i] = 0; // pruned-like, so the sparse flavours store it sparse
        }
      }
      w.put("dense_kernel", HostArray.of(kernel, w.get("dense_kernel").shape()));
      weights = w;
    }
  }

  private static Object content(Path file) throws Exception {
    TfliteFile f = TfliteFile.read(file);
    List<Object> ops = new ArrayList<>();
    for (TfliteFile.Operator op : f.operators()) {
      ops.add(List.of(op.builtinCode(), op.version(), java.util.Arrays.toString(op.inputs()), java.util.Arrays.toString(op.outputs())));
    }
    return List.of(ops, TfliteWeights.read(f, SPEC));
  }

  @Test
  void aChangedWeightInATopiaryFileIsRefusedByItsChecksum() throws Exception {
    Path file = dir.resolve("m.tflite");
    byte[] bytes = TfliteExport.bytes(SPEC, weights, TfliteFlavour.FLOAT32);
    Files.write(file, bytes);
    assertThat(TfliteFile.read(file).checksummed()).isTrue();
    float bias = weights.get("dense_bias").floats()[0] == 0 ? weights.get("conv2d_kernel").floats()[0]
        : weights.get("dense_bias").floats()[0];
    int at = indexOf(bytes, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(bias).array());
    assertThat(at).isPositive();
    bytes[at] ^= 1; // one ulp
    Files.write(file, bytes);
    assertThatThrownBy(() -> TfliteFile.read(file)).isInstanceOf(CorruptFileException.class)
        .hasMessage(file + ": checksum mismatch (metadata 'topiary_crc32'): the file is corrupt or was changed after"
            + " Topiary wrote it");
  }

  /** A file without the entry (another writer's, or an older Topiary's) is read as before, unverified. */
  @Test
  void aFileWithoutTheChecksumIsReadUnverified() throws Exception {
    byte[] bytes = TfliteExport.bytes(SPEC, weights, TfliteFlavour.SPARSE_INT8);
    Path original = dir.resolve("original.tflite");
    Files.write(original, bytes);
    // The entry renamed "Topiary_crc32" (no longer Topiary's) wherever the name appears: a file as
    // another writer makes it.
    int renamed = 0;
    for (int at; (at = indexOf(bytes, "topiary_crc32".getBytes(StandardCharsets.US_ASCII))) >= 0; renamed++) {
      bytes[at] = 'T';
    }
    assertThat(renamed).as("the entry's name and the description").isEqualTo(2);
    Path other = dir.resolve("other.tflite");
    Files.write(other, bytes);
    assertThat(TfliteFile.read(other).checksummed()).isFalse();
    assertThat(content(other)).isEqualTo(content(original));
  }

  /** Damage to the checksum's entry alone (here its buffer index) does not make the file an unverified one. */
  @Test
  void aDamagedChecksumEntryIsRefused() throws Exception {
    byte[] bytes = TfliteExport.bytes(SPEC, weights, TfliteFlavour.INT8);
    Path file = dir.resolve("damaged.tflite");
    // FlatBuffers are built back to front: the entry's name, made after the description, comes first.
    int at = indexOf(bytes, "topiary_crc32".getBytes(StandardCharsets.US_ASCII));
    assertThat(new String(bytes, at - 20, 20, StandardCharsets.ISO_8859_1)).doesNotContain("metadata");
    bytes[at] = 'T'; // the entry is no longer found
    Files.write(file, bytes);
    assertThatThrownBy(() -> TfliteFile.read(file)).isInstanceOf(CorruptFileException.class)
        .hasMessage(file + ": names Topiary's checksum 'topiary_crc32' but its metadata entry is missing or damaged:"
            + " the file is corrupt");
  }

  @Test
  void oversizedFilesAreRefusedBeforeReadingAlsoInASmallHeap() throws Exception {
    Path foreign = sparse(dir.resolve("foreign.tflite"), "\0\0\0\0NOPE".getBytes(StandardCharsets.US_ASCII), 600L << 20);
    assertThatThrownBy(() -> TfliteFile.read(foreign)).isInstanceOf(CorruptFileException.class)
        .hasMessage(foreign + ": not a TFLite model (file identifier 'TFL3') (bad magic)");
    Path big = sparse(dir.resolve("big.tflite"), "\0\0\0\0TFL3".getBytes(StandardCharsets.US_ASCII), 600L << 20);
    ReadLimits.withBudget(64L << 20, () -> {
      assertThatThrownBy(() -> TfliteFile.read(big)).isInstanceOf(CorruptFileException.class)
          .hasMessageStartingWith(big + ": the file needs " + (600L << 20) + " bytes, more than the ");
      return null;
    });
    assertThat(fork(ForkedRead.class, big.toString())).startsWith("refused: " + big + ": the file needs");
  }

  /** Reads one .tflite in its own JVM and prints the outcome. */
  public static final class ForkedRead {
    public static void main(String[] args) {
      try {
        TfliteFile.read(Path.of(args[0]));
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

  @Test
  void mutatedTopiaryFilesAreRefusedOrUnchangedAndNeverExhaustTheHeap() throws Exception {
    ReadFuzz.assertNoneHarmful("TfliteReliabilityTest", fuzz(1));
  }

  @Tag("benchmark")
  @Test
  void longFuzzOfTopiaryTfliteFiles() throws Exception {
    ReadFuzz.assertNoneHarmful("TfliteReliabilityTest", fuzz(20));
  }

  private List<ReadFuzz.Figures> fuzz(int scale) throws Exception {
    List<ReadFuzz.Figures> all = new ArrayList<>();
    for (TfliteFlavour flavour : TfliteFlavour.values()) {
      byte[] bytes = TfliteExport.bytes(SPEC, weights, flavour);
      all.add(ReadFuzz.run(".tflite " + flavour.name().toLowerCase(Locale.ROOT), bytes, dir.resolve("fuzz.tflite"),
          TfliteReliabilityTest::content, 16L << 20, 60 * scale, 40 * scale, flavour.ordinal(), UnaryOperator.identity(),
          LIMITS));
    }
    return all;
  }
}
