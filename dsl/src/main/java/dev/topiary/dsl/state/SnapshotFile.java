package dev.topiary.dsl.state;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.BinaryFormat;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.ReadLimits;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot and a few string properties in one file, written atomically (temporary file, then
 * rename: a crash or kill during a save leaves the previous file intact).
 *
 * <p>Layout, big-endian (version 1): magic {@code "TPCK"}, u16 version, i32 property count, each
 * property as two UTF strings; i32 variable count, each as UTF name, u8 dtype (0 float32, 1 int64),
 * u8 rank, i64 dims, then the values; last, the CRC-32 of everything before it as i64.
 */
public final class SnapshotFile {
  /** The dtype codes of the file format (not {@link HostArray.DType} ordinals, which may grow). */
  private static final int FLOAT32 = 0;
  private static final int INT64 = 1;
  static final byte[] MAGIC = "TPCK".getBytes(StandardCharsets.US_ASCII);

  public static final int VERSION = 1;
  private static final String WHAT = "Topiary checkpoint";

  /** What a file holds. */
  public record Contents(Snapshot snapshot, Map<String, String> properties) {}

  private SnapshotFile() {}

  /** The magic a checkpoint starts with (a copy: arrays are mutable). */
  public static byte[] magic() {
    return MAGIC.clone();
  }

  public static void write(Path file, Snapshot snapshot, Map<String, String> properties) throws IOException {
    dev.topiary.dsl.export.AtomicFiles.write(file, encode(snapshot, properties));
  }

  /** The bytes {@link #write} writes. */
  public static byte[] encode(Snapshot snapshot, Map<String, String> properties) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeShort(VERSION);
      out.writeInt(properties.size());
      for (var e : properties.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue());
      }
      out.writeInt(snapshot.variables().size());
      for (var e : snapshot.variables().entrySet()) {
        HostArray t = e.getValue();
        if (t.dtype() == HostArray.DType.INT32) {
          throw new IllegalArgumentException("variable '" + e.getKey() + "' is int32; model state is float32 or int64");
        }
        out.writeUTF(e.getKey());
        out.writeByte(t.dtype() == HostArray.DType.FLOAT32 ? FLOAT32 : INT64);
        long[] shape = t.shape();
        out.writeByte(shape.length);
        for (long d : shape) {
          out.writeLong(d);
        }
        if (t.dtype() == HostArray.DType.FLOAT32) {
          for (float f : t.floats()) {
            out.writeInt(Float.floatToRawIntBits(f));
          }
        } else {
          for (long l : t.longs()) {
            out.writeLong(l);
          }
        }
      }
    }
    return BinaryFormat.withChecksum(bytes.toByteArray());
  }

  /**
   * Reads a file written by {@link #write}.
   *
   * @throws CorruptFileException naming the file: not such a file, newer version, truncated, corrupt,
   *     invalid shapes or names, counts that the file cannot hold
   */
  public static Contents read(Path file) throws IOException {
    ReadLimits.Tally tally = ReadLimits.tally(file.toString());
    return decode(tally.readFile(file, MAGIC, 0, WHAT), tally);
  }

  /**
   * Decodes the bytes of a file written by {@link #write}; {@code source} names it in errors.
   *
   * @throws CorruptFileException naming {@code source} and what is wrong
   */
  public static Contents decode(byte[] data, String source) {
    ReadLimits.Tally tally = ReadLimits.tally(source);
    tally.charge(data.length, "the file");
    return decode(data, tally);
  }

  /** {@link #decode(byte[], String)} for bytes already charged to {@code tally}, which names the file. */
  public static Contents decode(byte[] data, ReadLimits.Tally tally) {
    BinaryFormat.Reader in = BinaryFormat.open(data, MAGIC, VERSION, WHAT, tally);
    Map<String, String> properties = new LinkedHashMap<>();
    int count = in.count("the property count", 4); // two string lengths each
    for (int i = 0; i < count; i++) {
      String key = in.modifiedUtf8("property name #" + (i + 1));
      if (properties.put(key, in.modifiedUtf8("property '" + key + "'")) != null) {
        throw in.corrupt("property '" + key + "' appears twice");
      }
    }
    Map<String, HostArray> vars = new LinkedHashMap<>();
    int variables = in.count("the variable count", 4); // name length, dtype, rank
    for (int v = 0; v < variables; v++) {
      String name = in.modifiedUtf8("variable name #" + (v + 1));
      String what = "variable '" + name + "'";
      if (vars.containsKey(name)) {
        throw in.corrupt(what + " appears twice");
      }
      int dtype = in.u8(what + " dtype");
      if (dtype != FLOAT32 && dtype != INT64) {
        throw in.corrupt(what + " has unknown dtype " + dtype);
      }
      long[] shape = in.shape(what);
      int size = BinaryFormat.elementCount(shape);
      if (dtype == FLOAT32) {
        vars.put(name, HostArray.ofFloats(in.floats(size, what + " values"), shape));
      } else {
        vars.put(name, HostArray.ofLongs(in.longs(size, what + " values"), shape));
      }
    }
    in.requireEnd("the last variable");
    return new Contents(new Snapshot(vars), properties);
  }
}
