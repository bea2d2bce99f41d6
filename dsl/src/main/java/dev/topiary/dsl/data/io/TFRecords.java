package dev.topiary.dsl.data.io;

import dev.topiary.dsl.export.CorruptFileException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * TFRecord files, TensorFlow's framing of records (usually serialized {@code tf.train.Example}s): per
 * record a little-endian uint64 length, the masked CRC32C of those 8 bytes, the data, and the masked
 * CRC32C of the data. Both checksums are verified; a corrupt or truncated file fails with its name and
 * the record's index. Files may be GZIP-compressed (TF's {@code compression_type="GZIP"}).
 */
public final class TFRecords {
  private TFRecords() {}

  /** Whether the file is compressed. */
  public enum Compression {
    /** Plain TFRecords. */
    NONE,
    /** The whole file GZIP-compressed. */
    GZIP,
    /** Reading only: GZIP if the file starts with GZIP's magic bytes, else none. */
    AUTO
  }

  private static final int MASK_DELTA = 0xa282ead8;

  /** The CRC32C of {@code length} bytes of {@code data} from {@code offset}. */
  public static int crc32c(byte[] data, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(data, offset, length);
    return (int) crc.getValue();
  }

  /** TFRecord's masked CRC32C: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}. */
  public static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
  }

  /** A writer of records to {@code file} (created or replaced). */
  public static Writer writer(Path file, Compression compression) {
    try {
      return new Writer(Files.newOutputStream(file), compression, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** A writer of uncompressed records to {@code file}. */
  public static Writer writer(Path file) {
    return writer(file, Compression.NONE);
  }

  /** A reader of the records of {@code file}. */
  public static Reader reader(Path file, Compression compression) {
    try {
      return new Reader(Files.newInputStream(file), compression, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A reader of the records of {@code file}, compressed or not. */
  public static Reader reader(Path file) {
    return reader(file, Compression.AUTO);
  }

  /** Writes records; closing flushes and closes the file. */
  public static final class Writer implements AutoCloseable {
    private final OutputStream out;
    private final String name;
    private final byte[] header = new byte[12];
    private final byte[] footer = new byte[4];

    /** Writes to {@code out} ({@code name} for errors); closing closes {@code out}. */
    public Writer(OutputStream out, Compression compression, String name) throws IOException {
      if (compression == Compression.AUTO) {
        throw new IllegalArgumentException("a writer needs NONE or GZIP compression");
      }
      OutputStream o = new BufferedOutputStream(out, 1 << 16);
      this.out = compression == Compression.GZIP ? new GZIPOutputStream(o, 1 << 16) : o;
      this.name = name;
    }

    /** Appends one record. */
    public void write(byte[] data) {
      long length = data.length;
      for (int i = 0; i < 8; i++) {
        header[i] = (byte) (length >>> (8 * i));
      }
      putInt(header, 8, mask(crc32c(header, 0, 8)));
      putInt(footer, 0, mask(crc32c(data, 0, data.length)));
      try {
        out.write(header);
        out.write(data);
        out.write(footer);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + name + ": " + e.getMessage(), e);
      }
    }

    /** Appends one {@code tf.train.Example}. */
    public void write(org.tensorflow.proto.Example example) {
      write(example.toByteArray());
    }

    @Override
    public void close() {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + name + ": " + e.getMessage(), e);
      }
    }
  }

  /** Reads and verifies records, one at a time. */
  public static final class Reader implements Iterator<byte[]>, AutoCloseable {
    private final InputStream in;
    private final String name;
    private final byte[] header = new byte[12];
    private final byte[] footer = new byte[4];
    private long index; // of the next record
    private byte @Nullable [] next;
    private boolean done;

    /** Reads from {@code in} ({@code name} for errors); closing closes {@code in}. */
    public Reader(InputStream in, Compression compression, String name) throws IOException {
      this.name = name;
      BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
      boolean gzip = compression == Compression.GZIP;
      if (compression == Compression.AUTO) {
        buffered.mark(3);
        gzip = buffered.read() == 0x1f && buffered.read() == 0x8b && buffered.read() == 0x08;
        buffered.reset();
      }
      try {
        this.in = gzip ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16) : buffered;
      } catch (IOException e) {
        buffered.close();
        throw new IllegalArgumentException(name + ": not a GZIP-compressed TFRecord file: " + e.getMessage(), e);
      }
    }

    /** The index of the next record (0-based). */
    public long index() {
      return index;
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = read();
        done = next == null;
      }
      return next != null;
    }

    @Override
    public byte[] next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      byte[] r = next;
      next = null;
      index++;
      return r;
    }

    private byte @Nullable [] read() {
      try {
        int got = readFully(header, 0, 12);
        if (got == 0) {
          return null;
        }
        if (got < 12) {
          throw error("truncated: the length header needs 12 bytes, " + got + " remain");
        }
        if (mask(crc32c(header, 0, 8)) != getInt(header, 8)) {
          throw error("length checksum mismatch: the file is corrupt");
        }
        long length = 0;
        for (int i = 7; i >= 0; i--) {
          length = (length << 8) | (header[i] & 0xFF);
        }
        if (length < 0 || length > Integer.MAX_VALUE - 16) {
          throw error("record length " + Long.toUnsignedString(length) + " is too large");
        }
        byte[] data = readRecord((int) length);
        int footerGot = readFully(footer, 0, 4);
        if (footerGot < 4) {
          throw error("truncated: the data checksum needs 4 bytes, " + footerGot + " remain");
        }
        if (mask(crc32c(data, 0, data.length)) != getInt(footer, 0)) {
          throw error("data checksum mismatch: the file is corrupt");
        }
        return data;
      } catch (IOException e) {
        throw new UncheckedIOException(name + ": record " + index + ": " + e.getMessage(), e);
      }
    }

    /** The record's bytes, read in chunks so a corrupt huge length fails as truncation, not out of memory. */
    private byte[] readRecord(int length) throws IOException {
      if (length <= 1 << 20) {
        byte[] data = new byte[length];
        int got = readFully(data, 0, length);
        if (got < length) {
          throw error("truncated: the record needs " + length + " bytes, " + got + " remain");
        }
        return data;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
      byte[] chunk = new byte[1 << 20];
      int total = 0;
      while (total < length) {
        int want = Math.min(chunk.length, length - total);
        int got = readFully(chunk, 0, want);
        out.write(chunk, 0, got);
        total += got;
        if (got < want) {
          throw error("truncated: the record needs " + length + " bytes, " + total + " remain");
        }
      }
      return out.toByteArray();
    }

    private int readFully(byte[] b, int off, int len) throws IOException {
      int total = 0;
      while (total < len) {
        int r = in.read(b, off + total, len - total);
        if (r < 0) {
          break;
        }
        total += r;
      }
      return total;
    }

    private CorruptFileException error(String what) {
      return new CorruptFileException(name, "record " + index + ": " + what);
    }

    @Override
    public void close() {
      try {
        in.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close " + name + ": " + e.getMessage(), e);
      }
    }
  }

  private static void putInt(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  private static int getInt(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
  }
}
