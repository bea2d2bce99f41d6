package dev.topiary.dsl.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.SnapshotFile;
import dev.topiary.dsl.data.HostArray;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted files with valid checksums (issue 11, finding 4): every one is refused with a
 * {@link CorruptFileException} naming the file, before anything large is allocated and before any
 * tensor exists. Before the validated reader, the first case was accepted and its {@code toTensor()}
 * aborted the JVM.
 */
class ValidatedReadersTest {

  /** A checksummed payload, written by {@code body}. */
  interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  static byte[] file(String magic, Body body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(magic.getBytes(StandardCharsets.US_ASCII));
      out.writeShort(1);
      body.write(out);
    }
    return BinaryFormat.withChecksum(bytes.toByteArray());
  }

  /** A one-tensor float32 sparse-weights file: name bytes, dims, non-zero count, bitmask, values. */
  static byte[] tpsw(byte[] name, long[] dims, int nonZero, byte[] mask, float... values) throws IOException {
    return file("TPSW", out -> {
      out.writeByte(0);
      out.writeInt(1);
      out.writeShort(name.length);
      out.write(name);
      out.writeByte(dims.length);
      for (long d : dims) {
        out.writeLong(d);
      }
      out.writeInt(nonZero);
      out.write(mask);
      for (float v : values) {
        out.writeFloat(v);
      }
    });
  }

  static byte[] name(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theFortyThreeByteFileWithAnOverflowingShapeIsRefused() throws Exception {
    byte[] crafted = tpsw(name("w"), new long[] {4, 1L << 62}, 0, new byte[0]);
    assertThat(crafted).hasSize(43);
    assertThatThrownBy(() -> SparseWeights.decode(crafted, "crafted.tpsw"))
        .isExactlyInstanceOf(CorruptFileException.class)
        .hasMessage("crafted.tpsw: tensor 'w' has an invalid shape: [4, 4611686018427387904] has dimension"
            + " 4611686018427387904 at index 1; at most 2147483647 is supported");
  }

  @Test
  void hostArraysAndHostArraysRefuseInvalidShapesBeforeAnyTensorExists() {
    assertThatThrownBy(() -> HostArray.of(new float[0], 4, 1L << 62)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 2147483647");
    assertThatThrownBy(() -> HostArray.of(new float[0], 1L << 31, 1L << 31, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HostArray.of(new float[0], 2, -1)).hasMessageContaining("negative dimension -1");
    assertThatThrownBy(() -> HostArray.of(new float[0], 65536, 65536)).hasMessageContaining("4294967296 elements");
    assertThatThrownBy(() -> HostArray.ofFloats(new float[0], 4, 1L << 62)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HostArray.ofLongs(new long[0], new long[255])).hasMessageContaining("rank 255");
    // Zero-sized shapes stay valid.
    assertThat(HostArray.of(new float[0], 3, 0).shape()).containsExactly(3, 0);
    try (var t = HostArray.of(new float[0], 0, 5).toTensor()) {
      assertThat(t.shape().asArray()).containsExactly(0, 5);
    }
  }

  @Test
  void sizesAreCheckedAgainstTheRemainingBytesBeforeAllocating() throws Exception {
    // Was OutOfMemoryError: 2^31 - 1 floats allocated for a 50-byte file.
    byte[] big = tpsw(name("w"), new long[] {Integer.MAX_VALUE}, 0, new byte[0]);
    assertThatThrownBy(() -> SparseWeights.decode(big, "big.tpsw")).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessage("big.tpsw: truncated: tensor 'w' bitmask needs 268435456 bytes, 0 remain");
    // Was ArrayIndexOutOfBoundsException: a bitmask shorter than the shape needs.
    byte[] shortMask = tpsw(name("w"), new long[] {64}, 1, new byte[] {1}, 2f);
    assertThatThrownBy(() -> SparseWeights.decode(shortMask, "short.tpsw")).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith("short.tpsw: truncated: tensor 'w' bitmask needs 8 bytes");
    byte[] nonZeros = tpsw(name("w"), new long[] {4}, -3, new byte[] {1}, 2f);
    assertThatThrownBy(() -> SparseWeights.decode(nonZeros, "n.tpsw"))
        .hasMessage("n.tpsw: tensor 'w': non-zero count -3 is outside [0, 4]");
    byte[] pastEnd = tpsw(name("w"), new long[] {4}, 1, new byte[] {(byte) 0x10}, 2f);
    assertThatThrownBy(() -> SparseWeights.decode(pastEnd, "p.tpsw"))
        .hasMessage("p.tpsw: tensor 'w': bitmask has bits set past the last of its 4 elements");
    byte[] fewValues = tpsw(name("w"), new long[] {4}, 2, new byte[] {3}, 2f);
    assertThatThrownBy(() -> SparseWeights.decode(fewValues, "v.tpsw"))
        .hasMessage("v.tpsw: truncated: tensor 'w' values needs 8 bytes, 4 remain");
    byte[] manyTensors = file("TPSW", out -> {
      out.writeByte(0);
      out.writeInt(Integer.MAX_VALUE);
    });
    assertThatThrownBy(() -> SparseWeights.decode(manyTensors, "m.tpsw"))
        .hasMessage("m.tpsw: truncated: the tensor count is 2147483647 but only 0 bytes remain");
    byte[] rank255 = tpsw(name("w"), new long[255], 0, new byte[0]);
    assertThatThrownBy(() -> SparseWeights.decode(rank255, "r.tpsw")).hasMessageContaining("rank 255; at most 254");
  }

  @Test
  void namesMustBeValidUtf8AndUnique() throws Exception {
    // Was UncheckedIOException without the file's name.
    byte[] badName = tpsw(new byte[] {'w', (byte) 0xC3, (byte) 0x28}, new long[] {1}, 1, new byte[] {1}, 2f);
    assertThatThrownBy(() -> SparseWeights.decode(badName, "bad.tpsw")).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessage("bad.tpsw: tensor name #1 is not valid UTF-8");
    HostArray one = HostArray.of(new float[] {1}, 1);
    byte[] good = SparseWeights.encode(Map.of("ab", one), SparseWeights.Encoding.FLOAT32);
    byte[] twice = file("TPSW", out -> {
      out.writeByte(0);
      out.writeInt(2);
      for (int i = 0; i < 2; i++) {
        out.write(good, 11, good.length - 19); // the tensor entry of "ab"
      }
    });
    assertThatThrownBy(() -> SparseWeights.decode(twice, "t.tpsw")).hasMessage("t.tpsw: tensor 'ab' appears twice");
  }

  @Test
  void checkpointsAreValidatedTheSameWay(@TempDir Path dir) throws Exception {
    Snapshot s = new Snapshot(Map.of("k", HostArray.ofFloats(new float[] {1, 2}, 2)));
    Path ok = dir.resolve("ok.tpck");
    SnapshotFile.write(ok, s, Map.of("a", "b"));
    assertThat(SnapshotFile.read(ok).snapshot()).isEqualTo(s);

    byte[] huge = file("TPCK", out -> {
      out.writeInt(0);
      out.writeInt(1);
      out.writeUTF("k");
      out.writeByte(0);
      out.writeByte(1);
      out.writeLong(Integer.MAX_VALUE);
    });
    Path hugeFile = dir.resolve("huge.tpck");
    Files.write(hugeFile, huge);
    assertThatThrownBy(() -> SnapshotFile.read(hugeFile)).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessage(hugeFile + ": truncated: variable 'k' values needs 8589934588 bytes, 0 remain");
    byte[] overflow = file("TPCK", out -> {
      out.writeInt(0);
      out.writeInt(1);
      out.writeUTF("k");
      out.writeByte(1);
      out.writeByte(2);
      out.writeLong(4);
      out.writeLong(1L << 62);
    });
    assertThatThrownBy(() -> SnapshotFile.decode(overflow, "o.tpck")).hasMessageStartingWith("o.tpck: variable 'k' has an invalid shape");
    byte[] badUtf = file("TPCK", out -> {
      out.writeInt(1);
      out.writeShort(2);
      out.write(new byte[] {(byte) 0xC3, (byte) 0x28});
      out.writeUTF("v");
      out.writeInt(0);
    });
    assertThatThrownBy(() -> SnapshotFile.decode(badUtf, "u.tpck")).isExactlyInstanceOf(CorruptFileException.class)
        .hasMessage("u.tpck: property name #1 is not valid modified UTF-8");
    byte[] trailing = file("TPCK", out -> {
      out.writeInt(0);
      out.writeInt(0);
      out.writeInt(7);
    });
    assertThatThrownBy(() -> SnapshotFile.decode(trailing, "x.tpck")).hasMessage("x.tpck: 4 unexpected bytes after the last variable");
    byte[] dtype = file("TPCK", out -> {
      out.writeInt(-1);
    });
    assertThatThrownBy(() -> SnapshotFile.decode(dtype, "c.tpck")).hasMessage("c.tpck: the property count is negative (-1)");
  }
}
