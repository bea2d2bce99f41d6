package dev.topiary.dsl.export;

import dev.topiary.dsl.data.HostArray;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
  private static final String WHAT = "Topiary sparse weights file";

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
    if (nameBytes.length > 0xFFFF) {
      throw new IllegalArgumentException("tensor name '" + name.substring(0, 40) + "...' is longer than 65535 UTF-8 bytes");
    }
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
   * Decodes a file made by {@link #encode}: exact floats, or int8 values times their scale. Every
   * count, length and shape is checked against the bytes that remain before anything is allocated.
   *
   * @throws CorruptFileException naming {@code source} and what is wrong (bad magic, newer version,
   *     truncation, checksum mismatch, invalid shapes, inconsistent counts, bad names)
   */
  public static Map<String, HostArray> decode(byte[] data, String source) {
    ReadLimits.Tally tally = ReadLimits.tally(source);
    tally.charge(data.length, "the file");
    return decode(data, tally);
  }

  private static Map<String, HostArray> decode(byte[] data, ReadLimits.Tally tally) {
    BinaryFormat.Reader in = BinaryFormat.open(data, MAGIC, VERSION, WHAT, tally);
    int encodingIndex = in.u8("the value encoding");
    if (encodingIndex >= Encoding.values().length) {
      throw in.corrupt("unknown value encoding " + encodingIndex);
    }
    Encoding encoding = Encoding.values()[encodingIndex];
    // Each tensor takes at least a name length (2), a rank (1) and a non-zero count (4).
    int count = in.count("the tensor count", 7);
    Map<String, HostArray> out = new LinkedHashMap<>();
    for (int t = 0; t < count; t++) {
      readTensor(in, encoding, out);
    }
    in.requireEnd("the last tensor");
    return out;
  }

  private static void readTensor(BinaryFormat.Reader in, Encoding encoding, Map<String, HostArray> out) {
    String name = in.utf8("tensor name #" + (out.size() + 1));
    String what = "tensor '" + name + "'";
    if (out.containsKey(name)) {
      throw in.corrupt(what + " appears twice");
    }
    long[] shape = in.shape(what);
    if (shape.length == 0) {
      throw in.corrupt(what + " is a scalar; weights have rank >= 1");
    }
    int size = BinaryFormat.elementCount(shape);
    int nonZero = in.i32(what + " non-zero count");
    if (nonZero < 0 || nonZero > size) {
      throw in.corrupt(what + ": non-zero count " + nonZero + " is outside [0, " + size + "]");
    }
    byte[] mask = in.bytes((size + 7L) / 8, what + " bitmask");
    if (size % 8 != 0 && (mask[mask.length - 1] & 0xFF) >>> (size % 8) != 0) {
      throw in.corrupt(what + ": bitmask has bits set past the last of its " + size + " elements");
    }
    int bits = 0;
    for (byte b : mask) {
      bits += Integer.bitCount(b & 0xFF);
    }
    if (bits != nonZero) {
      throw in.corrupt(what + ": bitmask holds " + bits + " entries, header says " + nonZero);
    }
    float scale = 1f;
    if (encoding == Encoding.INT8) {
      scale = in.f32(what + " scale");
      if (!(scale >= 0f) || Float.isInfinite(scale)) {
        throw in.corrupt(what + ": invalid int8 scale " + scale);
      }
    }
    in.require((long) nonZero * (encoding == Encoding.FLOAT32 ? Float.BYTES : 1), what + " values");
    // The bitmask lets a file of n bytes describe 8 n elements (32 n bytes of floats): charge them first.
    in.charge(4L * size, what + " values");
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      if ((mask[i >>> 3] & (1 << (i & 7))) != 0) {
        values[i] = encoding == Encoding.FLOAT32 ? in.f32(what + " values") : in.i8(what + " values") * scale;
      }
    }
    out.put(name, HostArray.of(values, shape));
  }

  /** Writes atomically: a temporary file in the same directory, then a rename. */
  public static void write(Path file, Map<String, HostArray> weights, Encoding encoding) throws IOException {
    AtomicFiles.write(file, encode(weights, encoding));
  }

  /**
   * Reads a file written by {@link #write}.
   *
   * @throws CorruptFileException naming the file and what is wrong
   */
  public static Map<String, HostArray> read(Path file) throws IOException {
    ReadLimits.Tally tally = ReadLimits.tally(file.toString());
    return decode(tally.readFile(file, MAGIC, 0, WHAT), tally);
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
