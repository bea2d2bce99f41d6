package dev.topiary.tflite;

import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.ReadLimits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked access to FlatBuffer tables: FlatBuffers for Java has no verifier, so every offset,
 * vtable and vector length is checked against the buffer before it is followed or allocated, and a
 * crafted file fails with {@link CorruptFileException} naming the source and the position.
 */
final class FlatReader {
  private final ByteBuffer buf;
  private final String source;
  private final ReadLimits.Tally tally;

  /** A reader whose copies out of {@code bytes} are charged to {@code tally} (which names the source). */
  FlatReader(byte[] bytes, ReadLimits.Tally tally) {
    this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    this.source = tally.source();
    this.tally = tally;
  }

  /**
   * The length of the vector at {@code v}, its copy of {@code bytesEach} bytes per element charged to
   * the read's budget first: tables may share one vector, so copies can add up to more than the file.
   */
  private int charged(int v, int bytesEach, String what) {
    int n = length(v);
    tally.charge((long) n * bytesEach, what);
    return n;
  }

  CorruptFileException corrupt(String problem) {
    return new CorruptFileException(source, problem);
  }

  int size() {
    return buf.limit();
  }

  private void need(long pos, long length, String what) {
    if (pos < 0 || length < 0 || pos + length > buf.limit()) {
      throw corrupt(what + " at byte " + pos + " (" + length + " bytes) lies outside the file of " + buf.limit()
          + " bytes");
    }
  }

  int u32(int pos, String what) {
    need(pos, 4, what);
    int v = buf.getInt(pos);
    if (v < 0) {
      throw corrupt(what + " at byte " + pos + " is " + Integer.toUnsignedString(v) + ", too large");
    }
    return v;
  }

  /** The table whose offset is stored at {@code pos} (an unsigned offset relative to {@code pos}). */
  int indirect(int pos, String what) {
    int target = pos + u32(pos, what);
    need(target, 4, what);
    return target;
  }

  /** The position of field {@code slot} of the table at {@code table}, or 0 if absent. */
  int field(int table, int slot, String what) {
    need(table, 4, what);
    int vtable = table - buf.getInt(table);
    need(vtable, 4, what + " vtable");
    int vtSize = Short.toUnsignedInt(buf.getShort(vtable));
    int tableSize = Short.toUnsignedInt(buf.getShort(vtable + 2));
    if (vtSize < 4 || vtSize % 2 != 0) {
      throw corrupt(what + ": vtable size " + vtSize + " at byte " + vtable);
    }
    need(vtable, vtSize, what + " vtable");
    need(table, tableSize, what);
    if (4 + 2 * slot >= vtSize) {
      return 0;
    }
    int off = Short.toUnsignedInt(buf.getShort(vtable + 4 + 2 * slot));
    if (off == 0) {
      return 0;
    }
    if (off >= tableSize) {
      throw corrupt(what + ": field " + slot + " offset " + off + " beyond its table of " + tableSize + " bytes");
    }
    return table + off;
  }

  int intField(int table, int slot, int dflt, String what) {
    int p = field(table, slot, what);
    if (p == 0) {
      return dflt;
    }
    need(p, 4, what);
    return buf.getInt(p);
  }

  byte byteField(int table, int slot, byte dflt, String what) {
    int p = field(table, slot, what);
    if (p == 0) {
      return dflt;
    }
    need(p, 1, what);
    return buf.get(p);
  }

  float floatField(int table, int slot, float dflt, String what) {
    int p = field(table, slot, what);
    if (p == 0) {
      return dflt;
    }
    need(p, 4, what);
    return buf.getFloat(p);
  }

  /** The table referenced by field {@code slot}, or 0 if absent. */
  int tableField(int table, int slot, String what) {
    int p = field(table, slot, what);
    return p == 0 ? 0 : indirect(p, what);
  }

  /** A vector field: the position of its first element, its length checked against {@code elementSize}; -1 if absent. */
  int vector(int table, int slot, int elementSize, String what) {
    int p = field(table, slot, what);
    if (p == 0) {
      return -1;
    }
    int v = indirect(p, what);
    int n = u32(v, what + " length");
    need(v + 4L, (long) n * elementSize, what);
    return v + 4;
  }

  int length(int vectorStart) {
    return buf.getInt(vectorStart - 4);
  }

  int[] ints(int table, int slot, String what) {
    int v = vector(table, slot, 4, what);
    if (v < 0) {
      return new int[0];
    }
    int[] out = new int[charged(v, 4, what)];
    for (int i = 0; i < out.length; i++) {
      out[i] = buf.getInt(v + 4 * i);
    }
    return out;
  }

  float[] floats(int table, int slot, String what) {
    int v = vector(table, slot, 4, what);
    if (v < 0) {
      return new float[0];
    }
    float[] out = new float[charged(v, 4, what)];
    for (int i = 0; i < out.length; i++) {
      out[i] = buf.getFloat(v + 4 * i);
    }
    return out;
  }

  long[] longs(int table, int slot, String what) {
    int v = vector(table, slot, 8, what);
    if (v < 0) {
      return new long[0];
    }
    long[] out = new long[charged(v, 8, what)];
    for (int i = 0; i < out.length; i++) {
      out[i] = buf.getLong(v + 8 * i);
    }
    return out;
  }

  /** Unsigned 8- or 16-bit vectors widened to int. */
  int[] unsigned(int table, int slot, int width, String what) {
    int v = vector(table, slot, width, what);
    if (v < 0) {
      return new int[0];
    }
    int[] out = new int[charged(v, 4, what)];
    for (int i = 0; i < out.length; i++) {
      out[i] = width == 1 ? Byte.toUnsignedInt(buf.get(v + i)) : Short.toUnsignedInt(buf.getShort(v + 2 * i));
    }
    return out;
  }

  byte[] bytes(int table, int slot, String what) {
    int v = vector(table, slot, 1, what);
    if (v < 0) {
      return new byte[0];
    }
    byte[] out = new byte[charged(v, 1, what)];
    buf.get(v, out);
    return out;
  }

  /** The tables of a vector of tables. */
  int[] tables(int table, int slot, String what) {
    int v = vector(table, slot, 4, what);
    if (v < 0) {
      return new int[0];
    }
    int[] out = new int[charged(v, 4, what)];
    for (int i = 0; i < out.length; i++) {
      out[i] = indirect(v + 4 * i, what + " " + i);
    }
    return out;
  }

  String string(int table, int slot, String what) {
    byte[] b = bytes(table, slot, what);
    return new String(b, StandardCharsets.UTF_8);
  }

  String identifier() {
    need(0, 8, "file header");
    byte[] id = new byte[4];
    buf.get(4, id);
    return new String(id, StandardCharsets.ISO_8859_1);
  }
}
