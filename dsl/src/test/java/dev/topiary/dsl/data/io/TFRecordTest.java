package dev.topiary.dsl.data.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.IOException;
import java.io.InputStream;
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
 * TFRecord files of tf.train.Example. {@code python.tfrecord} and {@code python.tfrecord.gz} were
 * written by TensorFlow 2.21 (Python) with:
 *
 * <pre>
 * import tensorflow as tf
 * def ex(i):
 *     return tf.train.Example(features=tf.train.Features(feature={
 *         "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 0.5, -i, i + 0.25])),
 *         "tokens": tf.train.Feature(int64_list=tf.train.Int64List(value=[i, i + 1])),
 *         "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 3])),
 *     })).SerializeToString()
 * with tf.io.TFRecordWriter("python.tfrecord") as w:
 *     for i in range(5):
 *         w.write(ex(i))
 * with tf.io.TFRecordWriter("python.tfrecord.gz", options="GZIP") as w:
 *     for i in range(5):
 *         w.write(ex(i))
 * </pre>
 *
 * Each of its 5 records holds 59 bytes of data (16 bytes of framing): record k starts at byte 75 k.
 */
class TFRecordTest {
  @TempDir
  Path dir;

  private Path resource(String name) throws IOException {
    Path p = dir.resolve(name);
    try (InputStream in = TFRecordTest.class.getResourceAsStream(name)) {
      Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return p;
  }

  @Test
  void theChecksumIsTfRecordsMaskedCrc32c() {
    byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(TFRecords.crc32c(digits, 0, 9)).isEqualTo(0xE3069283);
    // ((crc >>> 15) | (crc << 17)) + 0xa282ead8, computed by hand (Python integers)
    assertThat(TFRecords.mask(0xE3069283)).isEqualTo(0xc78ab0e5);
  }

  @Test
  void readsTheExamplesTensorFlowWrote() throws IOException {
    for (String name : List.of("python.tfrecord", "python.tfrecord.gz")) {
      Dataset d = TFRecordDataset.of(resource(name)).floatInput("x", 3).intInput("tokens", 2).intLabel("label");
      List<Batch> batches = d.toList(0, 4);
      assertThat(batches).extracting(Batch::examples).containsExactly(4, 1);
      Batch first = batches.get(0);
      assertThat(first.inputs().get(0)).isEqualTo(HostArray.of(new float[] {
          0, 0, 0.25f, 0.5f, -1, 1.25f, 1, -2, 2.25f, 1.5f, -3, 3.25f}, 4, 3));
      assertThat(first.inputs().get(1)).isEqualTo(HostArray.ofLabels(new int[] {0, 1, 1, 2, 2, 3, 3, 4}, 4, 2));
      assertThat(first.labels().get(0)).isEqualTo(HostArray.ofLabels(new int[] {0, 1, 2, 0}));
      assertThat(batches.get(1).labels().get(0)).isEqualTo(HostArray.ofLabels(new int[] {1}));
      assertThat(first.inputNames()).isNull();
      Batch named = TFRecordDataset.of(dir.resolve(name)).floatInput("x", 3).intLabel("label").named()
          .toList(0, 5).get(0);
      assertThat(named.inputNames()).containsExactly("x");
      assertThat(named.labelNames()).containsExactly("label");
    }
  }

  @Test
  void theWriterFramesRecordsExactlyAsTensorFlowDoes() throws IOException {
    Path python = resource("python.tfrecord");
    List<byte[]> records = new ArrayList<>();
    try (TFRecords.Reader r = TFRecords.reader(python)) {
      r.forEachRemaining(records::add);
    }
    assertThat(records).hasSize(5).allSatisfy(rec -> assertThat(rec).hasSize(59));
    Path ours = dir.resolve("ours.tfrecord");
    try (TFRecords.Writer w = TFRecords.writer(ours)) {
      records.forEach(w::write);
    }
    assertThat(Files.readAllBytes(ours)).isEqualTo(Files.readAllBytes(python));
  }

  @Test
  void writtenArraysReadBackPlainAndGzipped() throws IOException {
    Map<String, HostArray> arrays = new LinkedHashMap<>();
    arrays.put("image", HostArray.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 2, 2));
    arrays.put("label", HostArray.ofLabels(new int[] {2, 0, 1}));
    arrays.put("w", HostArray.of(new float[] {0.5f, 1, 2}, 3));
    for (TFRecords.Compression c : List.of(TFRecords.Compression.NONE, TFRecords.Compression.GZIP)) {
      Path file = dir.resolve("data-" + c + ".tfrecord");
      TFRecordDataset.write(file, arrays, c);
      if (c == TFRecords.Compression.GZIP) {
        byte[] head = Files.readAllBytes(file);
        assertThat(head[0] & 0xFF).isEqualTo(0x1f);
        assertThat(head[1] & 0xFF).isEqualTo(0x8b);
      }
      Batch b = TFRecordDataset.of(file).floatInput("image", 2, 2).intLabel("label").weight("w").toList(0, 10).get(0);
      assertThat(b.inputs()).containsExactly(arrays.get("image"));
      assertThat(b.labels()).containsExactly(arrays.get("label"));
      assertThat(b.sampleWeights()).isEqualTo(arrays.get("w"));
      // several files are read one after another; shuffles are per epoch
      Dataset two = TFRecordDataset.of(file, file).floatInput("image", 4).intLabel("label");
      assertThat(two.toList(0, 10).get(0).labels().get(0)).isEqualTo(HostArray.ofLabels(new int[] {2, 0, 1, 2, 0, 1}));
      Dataset shuffled = two.shuffle(6, 3);
      assertThat(shuffled.toList(1, 2)).isEqualTo(shuffled.toList(1, 2));
    }
  }

  private Path corrupted(int offset) throws IOException {
    byte[] bytes = Files.readAllBytes(resource("python.tfrecord"));
    bytes[offset] ^= 0x10;
    Path p = dir.resolve("corrupt.tfrecord");
    Files.write(p, bytes);
    return p;
  }

  @Test
  void corruptDataLengthsAndTruncationNameTheFileAndRecord() throws IOException {
    Path data = corrupted(2 * 75 + 12 + 30); // inside record 2's data
    assertThatThrownBy(() -> TFRecordDataset.of(data).floatInput("x", 3).intLabel("label").toList(0, 2))
        .isInstanceOf(CorruptFileException.class)
        .hasMessage(data + ": record 2: data checksum mismatch: the file is corrupt");
    Files.delete(data);
    Path length = corrupted(3 * 75 + 1); // record 3's length
    assertThatThrownBy(() -> TFRecordDataset.of(length).floatInput("x", 3).intLabel("label").prefetch(2).toList(0, 2))
        .hasRootCauseInstanceOf(CorruptFileException.class)
        .hasMessageContaining(length + ": record 3: length checksum mismatch: the file is corrupt");
    Files.delete(length);
    Path crc = corrupted(4 * 75 + 75 - 2); // record 4's data checksum
    assertThatThrownBy(() -> TFRecordDataset.of(crc).floatInput("x", 3).intLabel("label").toList(0, 2))
        .hasMessage(crc + ": record 4: data checksum mismatch: the file is corrupt");

    byte[] bytes = Files.readAllBytes(resource("python.tfrecord"));
    Path cut = dir.resolve("cut.tfrecord");
    Files.write(cut, java.util.Arrays.copyOf(bytes, 3 * 75 + 12 + 20));
    assertThatThrownBy(() -> TFRecordDataset.of(cut).floatInput("x", 3).intLabel("label").toList(0, 2))
        .hasMessage(cut + ": record 3: truncated: the record needs 59 bytes, 20 remain");
    Files.write(cut, java.util.Arrays.copyOf(bytes, 75 + 5));
    assertThatThrownBy(() -> TFRecordDataset.of(cut).floatInput("x", 3).intLabel("label").toList(0, 2))
        .hasMessage(cut + ": record 1: truncated: the length header needs 12 bytes, 5 remain");
    Files.write(cut, java.util.Arrays.copyOf(bytes, 75 - 2));
    assertThatThrownBy(() -> TFRecordDataset.of(cut).floatInput("x", 3).intLabel("label").toList(0, 2))
        .hasMessage(cut + ": record 0: truncated: the data checksum needs 4 bytes, 2 remain");
  }

  @Test
  void featuresThatDoNotMatchTheDeclarationAreNamed() throws IOException {
    Path file = resource("python.tfrecord");
    assertThatThrownBy(() -> TFRecordDataset.of(file).floatInput("pixels", 3).intLabel("label").toList(0, 2))
        .hasMessage(file + ": record 0: has no feature 'pixels'");
    assertThatThrownBy(() -> TFRecordDataset.of(file).floatInput("tokens", 2).intLabel("label").toList(0, 2))
        .hasMessage(file + ": record 0: feature 'tokens' is an int64_list of 2, expected a float_list");
    assertThatThrownBy(() -> TFRecordDataset.of(file).floatInput("x", 2, 2).intLabel("label").toList(0, 2))
        .hasMessage(file + ": record 0: feature 'x' has 3 values, expected 4 (shape [2, 2])");
    assertThatThrownBy(() -> TFRecordDataset.of(file).floatInput("x").intLabel("tokens").toList(0, 2))
        .hasMessage(file + ": record 0: feature 'tokens' has 2 values, expected 1 (shape [])");
    assertThatThrownBy(() -> TFRecordDataset.of(file).intLabel("label").toList(0, 2))
        .hasMessageContaining("name at least one input feature");
    assertThatThrownBy(() -> TFRecordDataset.of(dir.resolve("missing.tfrecord")).floatInput("x").toList(0, 2))
        .hasMessageContaining("missing.tfrecord");
  }
}
