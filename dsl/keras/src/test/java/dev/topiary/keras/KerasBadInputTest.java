package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.HostArray;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad Keras files fail with the file, the layer and the problem; nothing is half-read or allocated. */
class KerasBadInputTest {
  @TempDir
  Path dir;

  private Path fixture(String name) throws IOException {
    return Fixtures.file("keras/" + name, dir);
  }

  @Test
  void aFileThatIsNotAKerasModel() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.keras"), "hello, not a model");
    assertThatThrownBy(() -> KerasModels.read(text)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("notes.keras").hasMessageContaining("not a Keras model file");
    Path zip = dir.resolve("other.keras");
    writeZip(zip, Map.of("readme.txt", "x".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> KerasModels.read(zip)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("other.keras").hasMessageContaining("no config.json");
  }

  @Test
  void aTruncatedZip() throws IOException {
    byte[] whole = Files.readAllBytes(fixture("mnist_cnn.keras"));
    for (int cut : new int[] {whole.length / 2, whole.length - 30, 10}) {
      Path truncated = Files.write(dir.resolve("truncated" + cut + ".keras"), Arrays.copyOf(whole, cut));
      assertThatThrownBy(() -> KerasModels.read(truncated)).isInstanceOf(KerasFileException.class)
          .hasMessageContaining("truncated" + cut + ".keras").hasMessageContaining("truncated or corrupt");
    }
  }

  @Test
  void anH5WithAMissingWeight() throws IOException {
    Path h5 = legacyMlp("missing.h5", (name, value) -> name.equals("dense_2_bias") ? null : value);
    assertThatThrownBy(() -> KerasModels.read(h5)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("missing.h5").hasMessageContaining("layer 'dense_2'")
        .hasMessageContaining("bias is missing");
  }

  @Test
  void aWeightOfTheWrongShape() throws IOException {
    Path h5 = legacyMlp("shape.h5", (name, value) -> name.equals("dense_1_kernel")
        ? HostArray.of(new float[32 * 21], 21, 32) : value);
    assertThatThrownBy(() -> KerasModels.read(h5)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("shape.h5").hasMessageContaining("layer 'dense_1'")
        .hasMessageContaining("kernel has shape [21, 32], the layer needs [20, 32]");
  }

  @Test
  void anUnknownOrCustomLayerClass() throws IOException {
    Path unknown = editConfig("unknown.keras", c -> c.replaceFirst("\"class_name\":\\s*\"Dense\"", "\"class_name\": \"Highway\""));
    assertThatThrownBy(() -> KerasModels.read(unknown)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("unknown.keras").hasMessageContaining("layer 'dense'")
        .hasMessageContaining("unknown Keras layer class 'Highway'");
    // As Keras 3 writes a registered custom layer: its own module and registered name.
    Path custom = editConfig("custom.keras", c -> {
      try {
        com.fasterxml.jackson.databind.node.ObjectNode root =
            (com.fasterxml.jackson.databind.node.ObjectNode) Fixtures.JSON.readTree(c);
        for (com.fasterxml.jackson.databind.JsonNode l : root.get("config").get("layers")) {
          if (l.get("class_name").asText().equals("Dense")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) l).put("module", "my_package").put("class_name", "ScaledDense")
                .put("registered_name", "my>ScaledDense");
          }
        }
        return Fixtures.JSON.writeValueAsString(root);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThatThrownBy(() -> KerasModels.read(custom)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("custom.keras").hasMessageContaining("custom layer class 'ScaledDense'")
        .hasMessageContaining("my>ScaledDense");
  }

  @Test
  void aLambdaLayerIsRefusedNamingItAndWhy() throws IOException {
    Path lambda = editConfig("lambda.keras", c -> c.replaceFirst("\"class_name\":\\s*\"Dense\"", "\"class_name\": \"Lambda\""));
    assertThatThrownBy(() -> KerasModels.read(lambda)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("lambda.keras").hasMessageContaining("layer 'dense'")
        .hasMessageContaining("Lambda layers hold Python code a file cannot carry");
  }

  /** The MultiHeadAttention node of l_attention rewritten as tf.keras 2 writes a call: [[query, 0, 0, {kwargs}]]. */
  private Path tfKeras2Attention(String name, String kwargs) throws IOException {
    return editConfig(Fixtures.file("keras-layers/l_attention.keras", dir), name, c -> {
      try {
        com.fasterxml.jackson.databind.node.ObjectNode root =
            (com.fasterxml.jackson.databind.node.ObjectNode) Fixtures.JSON.readTree(c);
        for (com.fasterxml.jackson.databind.JsonNode l : root.get("config").get("layers")) {
          if (l.get("class_name").asText().equals("MultiHeadAttention")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) l).set("inbound_nodes",
                Fixtures.JSON.readTree("[[[\"query\", 0, 0, " + kwargs + "]]]"));
          }
        }
        return Fixtures.JSON.writeValueAsString(root);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  @Test
  void aTfKeras2CallsValueIsReadAndAnAttentionMaskRefused() throws IOException {
    Path cross = tfKeras2Attention("tf2_value.keras", "{\"value\": [\"value\", 0, 0]}");
    var expected = Fixtures.json("keras-layers/l_attention.json");
    try (dev.topiary.dsl.Model m = KerasModels.load(cross, Fixtures.COMPILE)) {
      HostArray out = m.predict(Fixtures.arrays(expected.get("inputs")), 8).get(0);
      assertThat(Fixtures.maxAbsDiff(out, Fixtures.arrays(expected.get("outputs")).get(0))).isLessThanOrEqualTo(1e-5);
    }
    Path masked = tfKeras2Attention("tf2_mask.keras",
        "{\"value\": [\"value\", 0, 0], \"attention_mask\": [\"value\", 0, 0]}");
    assertThatThrownBy(() -> KerasModels.read(masked)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("tf2_mask.keras").hasMessageContaining("call argument attention_mask=");
  }

  @Test
  void aBooleanComputationOtherThanKerasOwnMaskIsRefused() throws IOException {
    // l_masks' Embedding mask is not_equal(ids, 0); comparing with 1 is a mask of the user's own making
    Path other = editConfig(Fixtures.file("keras-layers/l_masks.keras", dir), "not_one.keras",
        c -> c.replaceFirst("(\"keras_history\": \\[\"ids\", 0, 0\\]\\}\\}, )0", "$11"));
    assertThatThrownBy(() -> KerasModels.read(other)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("not_one.keras").hasMessageContaining("layer 'not_equal_1'")
        .hasMessageContaining("only a mask_zero Embedding's own");
  }

  @Test
  void anOperationNodeThatIsNotElementwiseMathIsRefusedNamingIt() throws IOException {
    Path ops = Fixtures.file("keras-layers/l_operations.keras", dir);
    // x / 4.0 saved as a node of class TrueDivide: as a power (x ** 4) it has no layer of the same math.
    Path power = editConfig(ops, "power.keras", c -> c.replaceFirst("\"class_name\":\\s*\"TrueDivide\"",
        "\"class_name\": \"Power\""));
    assertThatThrownBy(() -> KerasModels.read(power)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("power.keras").hasMessageContaining("layer 'true_divide'")
        .hasMessageContaining("operation keras.src.ops.numpy.Power on 1 tensor(s) and 1 number(s) is not supported");
    Path byZero = editConfig(ops, "by_zero.keras", c -> c.replaceFirst("\\]\\}\\}, 4\\.0\\]", "]}}, 0.0]"));
    assertThatThrownBy(() -> KerasModels.read(byZero)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("layer 'true_divide'").hasMessageContaining("TrueDivide by zero is not supported");
  }

  @Test
  void anUnsupportedOptionOfAKnownLayer() throws IOException {
    Path groups = editConfig("groups.keras", c -> c.replaceFirst("\"groups\":\\s*1", "\"groups\": 2"));
    assertThatThrownBy(() -> KerasModels.read(groups)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("groups.keras").hasMessageContaining("layer 'conv2d'")
        .hasMessageContaining("needs a channel count that is a multiple of groups 2, got (None, 28, 28, 1)");
    Path format = editConfig("channels_first.keras",
        c -> c.replaceFirst("\"data_format\":\\s*\"channels_last\"", "\"data_format\": \"channels_first\""));
    assertThatThrownBy(() -> KerasModels.read(format)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("layer 'conv2d'").hasMessageContaining("data_format=\"channels_first\" is not supported");
  }

  @Test
  void aForgedFileClaimingAGiganticDatasetIsRefusedBeforeReading() throws IOException {
    Path forged = Fixtures.file("keras-bad/forged_huge.h5", dir);
    assertThat(Files.size(forged)).isLessThan(20_000);
    long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThatThrownBy(() -> KerasModels.read(forged)).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("forged_huge.h5").hasMessageContaining("layer 'dense'")
        .hasMessageContaining("kernel claims 40000000000 bytes");
    long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThat(after - before).isLessThan(512L << 20);
  }

  /** The mlp fixture rewritten as a legacy .h5 by jHDF, each weight passed through {@code edit} (null drops it). */
  private Path legacyMlp(String name, java.util.function.BiFunction<String, HostArray, HostArray> edit)
      throws IOException {
    KerasModel mlp = KerasModels.read(fixture("mlp.h5"));
    Map<String, HostArray> weights = new LinkedHashMap<>();
    mlp.weights().forEach((k, v) -> {
      HostArray e = edit.apply(k, v);
      if (e != null) {
        weights.put(k, e);
      }
    });
    String config;
    try (HdfFile h5 = new HdfFile(fixture("mlp.h5").toFile())) {
      config = (String) h5.getAttribute("model_config").getData();
    }
    Path out = dir.resolve(name);
    try (WritableHdfFile f = HdfFile.write(out)) {
      f.putAttribute("keras_version", "3.15.1");
      f.putAttribute("model_config", config);
      WritableGroup root = f.putGroup("model_weights");
      root.putAttribute("layer_names", new String[] {"dense_1", "dense_2", "dense_3"});
      for (String layer : new String[] {"dense_1", "dense_2", "dense_3"}) {
        WritableGroup g = root.putGroup(layer);
        g.putAttribute("weight_names", new String[] {layer + "/kernel", layer + "/bias"});
        WritableGroup inner = g.putGroup(layer);
        for (String w : new String[] {"kernel", "bias"}) {
          HostArray v = weights.get(layer + "_" + w);
          if (v != null) {
            inner.putDataset(w, KerasFileWriter.nested(v));
          }
        }
      }
    }
    return out;
  }

  /** The mnist_cnn fixture with its config.json edited. */
  private Path editConfig(String name, UnaryOperator<String> edit) throws IOException {
    return editConfig(fixture("mnist_cnn.keras"), name, edit);
  }

  /** A .keras file with its config.json edited. */
  private Path editConfig(Path original, String name, UnaryOperator<String> edit) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(original.toFile())) {
      for (ZipEntry e : java.util.Collections.list(zip.entries())) {
        entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
      }
    }
    String config = new String(entries.get("config.json"), StandardCharsets.UTF_8);
    String edited = edit.apply(config);
    assertThat(edited).as("the edit applies").isNotEqualTo(config);
    entries.put("config.json", edited.getBytes(StandardCharsets.UTF_8));
    Path out = dir.resolve(name);
    writeZip(out, entries);
    return out;
  }

  private static void writeZip(Path out, Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    Files.write(out, bytes.toByteArray());
  }
}
