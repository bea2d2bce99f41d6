package dev.topiary.keras;

import io.jhdf.checksum.ChecksumUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns one string attribute of the root group of an HDF5 file written by jHDF into a
 * variable-length string whose bytes live in a global heap collection appended to the file.
 *
 * <p>Why: Keras' legacy format keeps the whole model config in the root attribute {@code model_config}
 * and reads it from nowhere else. jHDF (up to 0.13.0, checked) writes every attribute as a fixed-length
 * value inside the object header, where a message holds at most 64 KiB; a larger one makes the header
 * unreadable (h5py: "bad flag combination for message"). h5py itself writes {@code model_config} as a
 * variable-length string: the attribute holds only a 16-byte reference to a global heap object, so
 * it has no size limit. This class produces that same layout (HDF5 file format specification:
 * "Global Heap", "Datatype Message" class 9, "Attribute Message" version 3).
 *
 * <p>How: jHDF writes the attribute with a placeholder value of {@link #PLACEHOLDER_BYTES} bytes, so
 * that its message is at least as large as the variable-length one; the message is rewritten in place,
 * the rest of its space becomes a NIL message, the object header's checksum is recomputed, the heap
 * collection is appended and the superblock's end-of-file address (and checksum) updated. Every
 * assumption about jHDF's layout (superblock version 2, a single-chunk version 2 root object header,
 * matching checksums before the change) is checked, so a jHDF upgrade that changes them fails loudly
 * instead of writing a broken file.
 */
final class H5VariableLengthString {
  /** Bytes of the placeholder value jHDF writes; its message then has room for the reference and a NIL message. */
  static final int PLACEHOLDER_BYTES = 64;
  private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  private static final int ATTRIBUTE_MESSAGE = 0x0C;
  private static final int NIL_MESSAGE = 0x00;
  /** libhdf5 reads a global heap collection's first 4096 bytes before it knows its size (H5HG_MINSIZE). */
  private static final int MIN_COLLECTION = 4096;

  private H5VariableLengthString() {}

  /** The placeholder value to write with jHDF for an attribute that {@link #store} will replace. */
  static String placeholder() {
    return " ".repeat(PLACEHOLDER_BYTES);
  }

  /**
   * {@code file} with the root attribute {@code name} (written with {@link #placeholder()}) holding
   * {@code value} as a UTF-8 variable-length string.
   *
   * @throws IllegalStateException if the bytes are not laid out as jHDF 0.9.4 writes them
   */
  static byte[] store(byte[] file, String name, String value) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    if (!Arrays.equals(Arrays.copyOf(file, 8), HDF5_SIGNATURE) || file[8] != 2 || file[9] != 8 || file[10] != 8) {
      throw layout("no version 2 superblock with 8-byte offsets and lengths");
    }
    checkChecksum(b, 0, 44, "superblock");
    long eof = b.getLong(28);
    if (eof != file.length) {
      throw layout("the superblock's end of file " + eof + " is not the file's " + file.length + " bytes");
    }
    int root = Math.toIntExact(b.getLong(36));
    if (!new String(file, root, 4, StandardCharsets.US_ASCII).equals("OHDR") || file[root + 4] != 2) {
      throw layout("the root group's object header at " + root + " is not a version 2 header");
    }
    int flags = file[root + 5] & 0xFF;
    int pos = root + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
    int sizeBytes = 1 << (flags & 3);
    long chunk = 0;
    for (int i = 0; i < sizeBytes; i++) {
      chunk |= (file[pos + i] & 0xFFL) << (8 * i);
    }
    pos += sizeBytes;
    int end = Math.toIntExact(pos + chunk);
    checkChecksum(b, root, end, "root object header");
    int messageHeader = (flags & 0x04) != 0 ? 6 : 4;
    byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] valueBytes = value.getBytes(StandardCharsets.UTF_8);
    long heap = (file.length + 7L) & ~7L;
    byte[] message = attributeMessage(nameBytes, valueBytes.length, heap);
    while (pos + messageHeader <= end) {
      int type = file[pos] & 0xFF;
      int size = b.getShort(pos + 1) & 0xFFFF;
      int body = pos + messageHeader;
      if (type == ATTRIBUTE_MESSAGE && isNamed(file, body, nameBytes)) {
        if (size < message.length + messageHeader) {
          throw layout("the placeholder of attribute " + name + " has " + size + " bytes, "
              + (message.length + messageHeader) + " are needed");
        }
        byte[] out = Arrays.copyOf(file, Math.toIntExact(heap + collectionSize(valueBytes.length)));
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        o.putShort(pos + 1, (short) message.length);
        System.arraycopy(message, 0, out, body, message.length);
        int nil = body + message.length;
        Arrays.fill(out, nil, body + size, (byte) 0);
        out[nil] = NIL_MESSAGE;
        o.putShort(nil + 1, (short) (size - message.length - messageHeader));
        o.putInt(end, ChecksumUtils.checksum(Arrays.copyOfRange(out, root, end)));
        writeCollection(o, Math.toIntExact(heap), valueBytes);
        o.putLong(28, out.length);
        o.putInt(44, ChecksumUtils.checksum(Arrays.copyOfRange(out, 0, 44)));
        return out;
      }
      pos = body + size;
    }
    throw layout("the root group's object header has no attribute " + name);
  }

  /** Attribute message version 3: flags, sizes, name encoding, name, datatype, scalar dataspace, reference. */
  private static byte[] attributeMessage(byte[] name, int length, long heap) {
    ByteBuffer m = ByteBuffer.allocate(9 + name.length + 20 + 4 + 16).order(ByteOrder.LITTLE_ENDIAN);
    m.put((byte) 3).put((byte) 0).putShort((short) name.length).putShort((short) 20).putShort((short) 4)
        .put((byte) 1).put(name);
    // Datatype class 9 (variable length) version 1: a string, null-terminated, UTF-8, 16-byte references...
    m.put((byte) 0x19).put((byte) 0x01).put((byte) 0x01).put((byte) 0).putInt(16);
    // ...of 1-byte unsigned integers (class 0 version 1, 8 bits at offset 0), as h5py writes them.
    m.put((byte) 0x10).put((byte) 0).put((byte) 0).put((byte) 0).putInt(1).putShort((short) 0).putShort((short) 8);
    m.put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0); // dataspace version 2, scalar
    m.putInt(length).putLong(heap).putInt(1); // the string's bytes: object 1 of the collection at heap
    return m.array();
  }

  private static long collectionSize(int length) {
    return Math.max(MIN_COLLECTION, 16 + 16 + align(length));
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  /** A global heap collection holding one object (index 1, one reference), the rest free space (object 0). */
  private static void writeCollection(ByteBuffer o, int at, byte[] value) {
    long size = collectionSize(value.length);
    o.put(at, "GCOL".getBytes(StandardCharsets.US_ASCII)).put(at + 4, (byte) 1).putLong(at + 8, size);
    int obj = at + 16;
    o.putShort(obj, (short) 1).putShort(obj + 2, (short) 1).putLong(obj + 8, value.length);
    o.put(obj + 16, value);
    int free = Math.toIntExact(obj + 16 + align(value.length));
    long left = at + size - free;
    if (left >= 16) { // smaller leftovers are free space without a header, as libhdf5 reads them
      o.putShort(free, (short) 0).putShort(free + 2, (short) 0).putLong(free + 8, left);
    }
  }

  private static boolean isNamed(byte[] file, int body, byte[] name) {
    int version = file[body] & 0xFF;
    int nameSize = ((file[body + 2] & 0xFF) | (file[body + 3] & 0xFF) << 8);
    int at = body + (version == 3 ? 9 : 8);
    return nameSize == name.length && at + name.length <= file.length
        && Arrays.equals(Arrays.copyOfRange(file, at, at + name.length), name);
  }

  private static void checkChecksum(ByteBuffer b, int from, int to, String what) {
    byte[] bytes = new byte[to - from];
    b.get(from, bytes);
    if (ChecksumUtils.checksum(bytes) != b.getInt(to)) {
      throw layout("the " + what + "'s checksum does not match");
    }
  }

  private static IllegalStateException layout(String what) {
    return new IllegalStateException("the HDF5 file jHDF wrote is not laid out as expected: " + what);
  }
}
