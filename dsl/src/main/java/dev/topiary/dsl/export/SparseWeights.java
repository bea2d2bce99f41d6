package dev.topiary.dsl.export;

import dev.topiary.dsl.data.HostArray;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A compact file format for pruned weights: per tensor a bitmask of the non-zeros and their values,
 * either float32 (restored exactly) or int8 with a per-tensor scale (restored within scale / 2).
 *
 * <p>Layout, big-endian (version 1): magic {@code "TPSW"}, u16 version, u8 encoding (0 float32, 1 int8),
 * i32 tensor count; per tensor: u16 name length, UTF-8 name, u8 rank, i64 dims, i32 non-zero count,
 * the bitmask ({@code ceil(size / 8)} bytes, bit i of byte i/8 = element i, row-major), f32 scale
 * (int8 only), then the values (f32 or i8 each); last, the CRC-32 of everything before it as i64.
 */
public final class SparseWeights {
  /** How the non-zero values are stored. */
  public enum Encoding { FLOAT32, INT8 }

  static final byte[] MAGIC = "TPSW".getBytes(StandardCharsets.US_ASCII);
  public static final int VERSION = 1;

  private SparseWeights() {}

  /** Encodes {@code weights} (map order is kept). */
  public static byte[] encode(Map<String, HostArray> weights, Encoding encoding) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeShort(VERSION);
      out.writeByte(encoding.ordinal());
      out.writeInt(weights.size());
      for (var e : weights.entrySet()) {
        writeTensor(out, e.getKey(), e.getValue(), encoding);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return BinaryFormat.withChecksum(bytes.toByteArray());
  }

  private static void writeTensor(DataOutputStream out, String name, HostArray w, Encoding encoding) throws IOException {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    out.writeShort(nameBytes.length);
    out.write(nameBytes);
    long[] shape = w.shape();
    out.writeByte(shape.length);
    for (long d : shape) {
      out.writeLong(d);
    }
    float[] v = w.floats();
    byte[] mask = new byte[(v.length + 7) / 8];
    int nonZero = 0;
    float max = 0;
    for (int i = 0; i < v.length; i++) {
      if (v[i] != 0f) {
        mask[i / 8] |= (byte) (1 << (i % 8));
        nonZero++;
        max = Math.max(max, Math.abs(v[i]));
      }
    }
    out.writeInt(nonZero);
    out.write(mask);
    if (encoding == Encoding.FLOAT32) {
      for (float x : v) {
        if (x != 0f) {
          out.writeFloat(x);
        }
      }
    } else {
      float scale = max == 0 ? 1f : max / 127f;
      out.writeFloat(scale);
      for (float x : v) {
        if (x != 0f) {
          out.writeByte(Math.max(-127, Math.min(127, Math.round(x / scale))));
        }
      }
    }
  }

  /**
   * Decodes a file made by {@link #encode}: exact floats, or int8 values times their scale.
   *
   * @throws CorruptFileException naming {@code source} and what is wrong (bad magic, newer version,
   *     truncation, checksum mismatch, inconsistent counts)
   */
  public static Map<String, HostArray> decode(byte[] data, String source) {
    try (DataInputStream in = BinaryFormat.open(data, MAGIC, VERSION, source, "Topiary sparse weights file")) {
      int encodingIndex = in.readUnsignedByte();
      if (encodingIndex >= Encoding.values().length) {
        throw new CorruptFileException(source, "unknown value encoding " + encodingIndex);
      }
      Encoding encoding = Encoding.values()[encodingIndex];
      int count = in.readInt();
      Map<String, HostArray> out = new LinkedHashMap<>();
      for (int t = 0; t < count; t++) {
        readTensor(in, encoding, source, out);
      }
      if (in.available() != 0) {
        throw new CorruptFileException(source, in.available() + " unexpected bytes after the last tensor");
      }
      return out;
    } catch (EOFException e) {
      throw new CorruptFileException(source, "truncated");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void readTensor(DataInputStream in, Encoding encoding, String source, Map<String, HostArray> out)
      throws IOException {
    String name = new String(in.readNBytes(in.readUnsignedShort()), StandardCharsets.UTF_8);
    long[] shape = BinaryFormat.readShape(in, source, "tensor '" + name + "'");
    int rank = shape.length;
    long size = BinaryFormat.size(shape);
    int nonZero = in.readInt();
    byte[] mask = in.readNBytes((int) ((size + 7) / 8));
    int bits = 0;
    for (byte b : mask) {
      bits += Integer.bitCount(b & 0xFF);
    }
    if (bits != nonZero || nonZero > size) {
      throw new CorruptFileException(source, "tensor '" + name + "': bitmask holds " + bits + " entries, header says "
          + nonZero);
    }
    float scale = encoding == Encoding.INT8 ? in.readFloat() : 1f;
    float[] values = new float[(int) size];
    for (int i = 0; i < size; i++) {
      if ((mask[i / 8] & (1 << (i % 8))) != 0) {
        values[i] = encoding == Encoding.FLOAT32 ? in.readFloat() : in.readByte() * scale;
      }
    }
    if (rank == 0) {
      throw new CorruptFileException(source, "tensor '" + name + "' is a scalar; weights have rank >= 1");
    }
    out.put(name, HostArray.of(values, shape));
  }

  /** Writes atomically: a temporary file in the same directory, then a rename. */
  public static void write(Path file, Map<String, HostArray> weights, Encoding encoding) throws IOException {
    AtomicFiles.write(file, encode(weights, encoding));
  }

  public static Map<String, HostArray> read(Path file) throws IOException {
    return decode(Files.readAllBytes(file), file.toString());
  }

  /** Size after gzip (level 9) of {@code bytes}: how small a file gets once compressed. */
  public static int gzipSize(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(out) {
      {
        def.setLevel(Deflater.BEST_COMPRESSION);
      }
    }) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.size();
  }

  /** Raw float32 bytes of every weight, little-endian, in map order: the dense baseline. */
  public static byte[] dense(Map<String, HostArray> weights) {
    int count = weights.values().stream().mapToInt(w -> w.floats().length).sum();
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(count * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (HostArray w : weights.values()) {
      for (float f : w.floats()) {
        buffer.putFloat(f);
      }
    }
    return buffer.array();
  }

}
