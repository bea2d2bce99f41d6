package dev.topiary.dsl.state;

import dev.topiary.dsl.export.BinaryFormat;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
  static final byte[] MAGIC = "TPCK".getBytes(StandardCharsets.US_ASCII);
  public static final int VERSION = 1;

  /** What a file holds. */
  public record Contents(Snapshot snapshot, Map<String, String> properties) {}

  private SnapshotFile() {}

  public static void write(Path file, Snapshot snapshot, Map<String, String> properties) throws IOException {
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
        StateTensor t = e.getValue();
        out.writeUTF(e.getKey());
        out.writeByte(t.dtype().ordinal());
        long[] shape = t.shape();
        out.writeByte(shape.length);
        for (long d : shape) {
          out.writeLong(d);
        }
        if (t.dtype() == StateTensor.DType.FLOAT32) {
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
    dev.topiary.dsl.export.AtomicFiles.write(file, BinaryFormat.withChecksum(bytes.toByteArray()));
  }

  /**
   * Reads a file written by {@link #write}.
   *
   * @throws CorruptFileException naming the file: not such a file, newer version, truncated, corrupt
   */
  public static Contents read(Path file) throws IOException {
    byte[] data = Files.readAllBytes(file);
    String source = file.toString();
    try (DataInputStream in = BinaryFormat.open(data, MAGIC, VERSION, source, "Topiary checkpoint")) {
      Map<String, String> properties = new LinkedHashMap<>();
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        properties.put(in.readUTF(), in.readUTF());
      }
      Map<String, StateTensor> vars = new LinkedHashMap<>();
      int variables = in.readInt();
      for (int v = 0; v < variables; v++) {
        String name = in.readUTF();
        int dtype = in.readUnsignedByte();
        long[] shape = BinaryFormat.readShape(in, source, "variable '" + name + "'");
        long size = BinaryFormat.size(shape);
        if (dtype == 0) {
          float[] values = new float[(int) size];
          for (int i = 0; i < values.length; i++) {
            values[i] = Float.intBitsToFloat(in.readInt());
          }
          vars.put(name, StateTensor.ofFloats(values, shape));
        } else if (dtype == 1) {
          long[] values = new long[(int) size];
          for (int i = 0; i < values.length; i++) {
            values[i] = in.readLong();
          }
          vars.put(name, StateTensor.ofLongs(values, shape));
        } else {
          throw new CorruptFileException(source, "variable '" + name + "' has unknown dtype " + dtype);
        }
      }
      return new Contents(new Snapshot(vars), properties);
    } catch (EOFException e) {
      throw new CorruptFileException(source, "truncated");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
