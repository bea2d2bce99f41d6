package dev.topiary.dsl.export;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * What Topiary's binary files share: a 4-byte magic, a u16 version, the payload, and the CRC-32 of
 * everything before it as an i64; and the one validated {@link Reader} every format reads through.
 *
 * <p>The reader never trusts a number in the file: every length, count and shape is checked against
 * the bytes that remain and against fixed limits <em>before</em> anything is allocated, and every
 * problem is a {@link CorruptFileException} naming the file and what is wrong.
 */
public final class BinaryFormat {
  /** Largest file the readers accept (the whole file is read into one array); the {@link ReadLimits} budget bounds it further. */
  public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16;
  /** TensorFlow's own limit on the rank of a tensor (exceeding it aborts the process). */
  public static final int MAX_RANK = 254;

  private BinaryFormat() {}

  /** {@code bytes} followed by their CRC-32. */
  public static byte[] withChecksum(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return ByteBuffer.allocate(bytes.length + 8).put(bytes).putLong(crc.getValue()).array();
  }

  /**
   * All bytes of {@code file}, refusing files larger than {@link #MAX_FILE_BYTES} or the
   * {@linkplain ReadLimits read budget} before reading.
   *
   * @throws CorruptFileException naming the file if it is too large
   * @throws NoSuchFileException and other I/O errors as they are
   */
  public static byte[] readAll(Path file) throws IOException {
    return ReadLimits.tally(file.toString()).readFile(file, null, 0, null);
  }

  /**
   * Checks magic, version and checksum of {@code data} and returns a reader over the payload (after
   * the version, before the checksum).
   *
   * @throws CorruptFileException naming {@code source}: too short, foreign, newer, corrupt or truncated
   */
  public static Reader open(byte[] data, byte[] magic, int version, String source, String what) {
    ReadLimits.Tally tally = ReadLimits.tally(source);
    tally.charge(data.length, "the file");
    return open(data, magic, version, what, tally);
  }

  /**
   * {@link #open(byte[], byte[], int, String, String)} for bytes already charged to {@code tally}
   * (which names the source); what the reader decodes is charged to it too.
   */
  public static Reader open(byte[] data, byte[] magic, int version, String what, ReadLimits.Tally tally) {
    String source = tally.source();
    if (data.length < magic.length + 2 + 8) {
      throw new CorruptFileException(source, "too short to be a " + what + " (" + data.length + " bytes)");
    }
    for (int i = 0; i < magic.length; i++) {
      if (data[i] != magic[i]) {
        throw new CorruptFileException(source, "not a " + what + " (bad magic)");
      }
    }
    Reader in = new Reader(data, magic.length, data.length - 8, tally);
    int found = in.u16("the format version");
    if (found > version) {
      throw new CorruptFileException(source, "written by a newer format version " + found + "; this Topiary reads"
          + " version " + version);
    }
    if (found == 0) {
      throw new CorruptFileException(source, "format version 0 does not exist");
    }
    CRC32 crc = new CRC32();
    crc.update(data, 0, data.length - 8);
    if (crc.getValue() != ByteBuffer.wrap(data, data.length - 8, 8).getLong()) {
      throw new CorruptFileException(source, "checksum mismatch: the file is corrupt or truncated");
    }
    return in;
  }

  /**
   * The element count of {@code shape}, validated so that no tensor of this shape can reach
   * TensorFlow's fatal checks and a Java array can hold it: rank at most {@link #MAX_RANK}, every
   * dimension in {@code [0, 2^31 - 1]}, no running product overflowing int64 (in TensorFlow's order),
   * and the element count at most {@code Integer.MAX_VALUE}.
   *
   * @throws IllegalArgumentException saying what is wrong with the shape
   */
  public static int elementCount(long[] shape) {
    String problem = shapeProblem(shape);
    if (problem != null) {
      throw new IllegalArgumentException("shape " + describe(shape) + " " + problem);
    }
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    return (int) size;
  }

  /** What is wrong with {@code shape}, or null if nothing is (see {@link #elementCount}). */
  static String shapeProblem(long[] shape) {
    if (shape.length > MAX_RANK) {
      return "has rank " + shape.length + "; at most " + MAX_RANK + " is supported";
    }
    long size = 1;
    for (int i = 0; i < shape.length; i++) {
      long d = shape[i];
      if (d < 0) {
        return "has a negative dimension " + d + " at index " + i;
      }
      if (d > Integer.MAX_VALUE) {
        return "has dimension " + d + " at index " + i + "; at most " + Integer.MAX_VALUE + " is supported";
      }
      try {
        size = Math.multiplyExact(size, d);
      } catch (ArithmeticException e) {
        return "has more elements than int64 can count";
      }
    }
    if (size > Integer.MAX_VALUE) {
      return "has " + size + " elements; at most " + Integer.MAX_VALUE + " are supported";
    }
    return null;
  }

  private static String describe(long[] shape) {
    return shape.length <= 16 ? Arrays.toString(shape)
        : Arrays.toString(Arrays.copyOf(shape, 16)).replace("]", ", ... (rank " + shape.length + ")]");
  }

  /**
   * A bounds-checked big-endian reader over {@code [position, limit)} of a byte array. Every read
   * checks the remaining length first; every failure is a {@link CorruptFileException} naming the
   * source.
   */
  public static final class Reader {
    private final byte[] data;
    private final int limit;
    private final String source;
    private final ReadLimits.Tally tally;
    private int at;

    Reader(byte[] data, int from, int limit, ReadLimits.Tally tally) {
      this.data = data;
      this.at = from;
      this.limit = limit;
      this.source = tally.source();
      this.tally = tally;
    }

    /** Charges {@code bytes} about to be allocated for {@code what} to the read's budget. */
    public void charge(long bytes, String what) {
      tally.charge(bytes, what);
    }

    /** The file (or resource) being read, for error messages. */
    public String source() {
      return source;
    }

    /** Bytes not read yet. */
    public int remaining() {
      return limit - at;
    }

    /** A {@link CorruptFileException} naming this reader's source. */
    public CorruptFileException corrupt(String problem) {
      return new CorruptFileException(source, problem);
    }

    /** Fails unless {@code bytes} more bytes remain; {@code what} names what was to be read. */
    public void require(long bytes, String what) {
      if (bytes < 0 || bytes > remaining()) {
        throw corrupt("truncated: " + what + " needs " + bytes + " bytes, " + remaining() + " remain");
      }
    }

    /** Fails unless every byte was read. */
    public void requireEnd(String after) {
      if (remaining() != 0) {
        throw corrupt(remaining() + " unexpected bytes after " + after);
      }
    }

    public int u8(String what) {
      require(1, what);
      return data[at++] & 0xFF;
    }

    public byte i8(String what) {
      require(1, what);
      return data[at++];
    }

    public int u16(String what) {
      require(2, what);
      int v = ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
      at += 2;
      return v;
    }

    public int i32(String what) {
      require(4, what);
      int v = ByteBuffer.wrap(data, at, 4).getInt();
      at += 4;
      return v;
    }

    public long i64(String what) {
      require(8, what);
      long v = ByteBuffer.wrap(data, at, 8).getLong();
      at += 8;
      return v;
    }

    public float f32(String what) {
      return Float.intBitsToFloat(i32(what));
    }

    /** {@code n} raw bytes. */
    public byte[] bytes(long n, String what) {
      require(n, what);
      byte[] out = Arrays.copyOfRange(data, at, at + (int) n);
      at += (int) n;
      return out;
    }

    /**
     * A count field of entries that take at least {@code minBytesEach} bytes each: non-negative and
     * no more than the remaining bytes can hold.
     */
    public int count(String what, int minBytesEach) {
      int n = i32(what);
      if (n < 0) {
        throw corrupt(what + " is negative (" + n + ")");
      }
      if ((long) n * minBytesEach > remaining()) {
        throw corrupt("truncated: " + what + " is " + n + " but only " + remaining() + " bytes remain");
      }
      return n;
    }

    /** A u16 length and that many bytes of strict UTF-8. */
    public String utf8(String what) {
      byte[] raw = bytes(u16(what + " length"), what);
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
      } catch (CharacterCodingException e) {
        throw corrupt(what + " is not valid UTF-8");
      }
    }

    /** A string as {@link java.io.DataOutputStream#writeUTF} writes it (u16 length, modified UTF-8). */
    public String modifiedUtf8(String what) {
      int length = u16(what + " length");
      require(length, what);
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, at - 2, length + 2))) {
        String s = in.readUTF();
        at += length;
        return s;
      } catch (UTFDataFormatException e) {
        throw corrupt(what + " is not valid modified UTF-8");
      } catch (IOException e) {
        throw corrupt(what + " cannot be read: " + e);
      }
    }

    /**
     * A u8 rank and i64 dims, validated by {@link BinaryFormat#elementCount}.
     *
     * @param what names the tensor for error messages
     */
    public long[] shape(String what) {
      int rank = u8(what + " rank");
      require(8L * rank, what + " dims");
      long[] shape = new long[rank];
      for (int i = 0; i < rank; i++) {
        shape[i] = i64(what + " dims");
      }
      String problem = shapeProblem(shape);
      if (problem != null) {
        throw corrupt(what + " has an invalid shape: " + describe(shape) + " " + problem);
      }
      return shape;
    }

    /** Reads {@code n} floats, after checking that {@code 4 n} bytes remain. */
    public float[] floats(int n, String what) {
      require(4L * n, what);
      charge(4L * n, what);
      float[] out = new float[n];
      ByteBuffer.wrap(data, at, 4 * n).asFloatBuffer().get(out);
      at += 4 * n;
      return out;
    }

    /** Reads {@code n} longs, after checking that {@code 8 n} bytes remain. */
    public long[] longs(int n, String what) {
      require(8L * n, what);
      charge(8L * n, what);
      long[] out = new long[n];
      ByteBuffer.wrap(data, at, 8 * n).asLongBuffer().get(out);
      at += 8 * n;
      return out;
    }
  }
}
