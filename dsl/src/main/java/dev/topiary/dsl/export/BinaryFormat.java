package dev.topiary.dsl.export;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * What Topiary's binary files share: a 4-byte magic, a u16 version, the payload, and the CRC-32 of
 * everything before it as an i64; plus shape reading with bounds checks.
 */
public final class BinaryFormat {
  private BinaryFormat() {}

  /** {@code bytes} followed by their CRC-32. */
  public static byte[] withChecksum(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return ByteBuffer.allocate(bytes.length + 8).put(bytes).putLong(crc.getValue()).array();
  }

  /**
   * Checks magic, version and checksum of {@code data} and returns a stream over the payload (after
   * the version, before the checksum).
   *
   * @throws CorruptFileException naming {@code source}: too short, foreign, newer, corrupt or truncated
   */
  public static DataInputStream open(byte[] data, byte[] magic, int version, String source, String what)
      throws IOException {
    if (data.length < magic.length + 2 + 8) {
      throw new CorruptFileException(source, "too short to be a " + what + " (" + data.length + " bytes)");
    }
    for (int i = 0; i < magic.length; i++) {
      if (data[i] != magic[i]) {
        throw new CorruptFileException(source, "not a " + what + " (bad magic)");
      }
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 0, data.length - 8));
    in.skipNBytes(magic.length);
    int found = in.readUnsignedShort();
    if (found > version) {
      throw new CorruptFileException(source, "written by a newer format version " + found + "; this Topiary reads"
          + " version " + version);
    }
    CRC32 crc = new CRC32();
    crc.update(data, 0, data.length - 8);
    if (crc.getValue() != ByteBuffer.wrap(data, data.length - 8, 8).getLong()) {
      throw new CorruptFileException(source, "checksum mismatch: the file is corrupt or truncated");
    }
    return in;
  }

  /** A u8 rank and i64 dims, each checked; the element count must fit an int. */
  public static long[] readShape(DataInputStream in, String source, String what) throws IOException {
    int rank = in.readUnsignedByte();
    long[] shape = new long[rank];
    long size = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = in.readLong();
      if (shape[i] < 0 || (size *= shape[i]) > Integer.MAX_VALUE) {
        throw new CorruptFileException(source, what + " has an invalid shape");
      }
    }
    return shape;
  }

  /** Number of elements of a shape read by {@link #readShape}. */
  public static int size(long[] shape) {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    return (int) size;
  }
}
