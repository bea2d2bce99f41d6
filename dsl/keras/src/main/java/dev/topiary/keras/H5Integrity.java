package dev.topiary.keras;

import dev.topiary.dsl.data.HostArray;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The integrity check of the legacy {@code .h5} files Topiary writes: a root attribute
 * {@value #ATTRIBUTE} (Keras reads only the attributes it knows and ignores it) whose value is
 * {@code topiary-crc32:} and 8 hex digits, a digest of what the file means: the CRC-32 of the
 * {@code model_config} attribute plus the CRC-32 of each weight's float32 values (a sum, so it does
 * not depend on the order in which the weights are written or read). HDF5 checksums only some of its
 * metadata, never data, so without it a changed byte in a weight or in the config reads as another
 * model. The file's bytes cannot be checksummed in place: the attribute lives in an object header that
 * HDF5 checksums itself.
 */
final class H5Integrity {
  static final String ATTRIBUTE = "topiary_crc32";
  private static final String PREFIX = "topiary-crc32:";

  private H5Integrity() {}

  /** The attribute's value for a file holding {@code config} and {@code weights}. */
  static String value(String config, Collection<HostArray> weights) {
    return PREFIX + HexFormat.of().toHexDigits((int) digest(config, weights));
  }

  private static long digest(String config, Collection<HostArray> weights) {
    CRC32 crc = new CRC32();
    crc.update(config.getBytes(StandardCharsets.UTF_8));
    long sum = crc.getValue();
    for (HostArray w : weights) {
      crc.reset();
      float[] values = w.floats();
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(8 * 1024);
      for (int i = 0; i < values.length; i++) {
        if (!bytes.hasRemaining()) {
          crc.update(bytes.flip());
          bytes.clear();
        }
        bytes.putInt(Float.floatToRawIntBits(values[i]));
      }
      crc.update(bytes.flip());
      sum += crc.getValue();
    }
    return sum & 0xFFFFFFFFL;
  }

  /**
   * Checks what was read from {@code file} against its attribute {@code value}.
   *
   * @throws KerasFileException naming the file if the value is malformed or does not match
   */
  static void verify(String file, String value, String config, Collection<HostArray> weights) {
    if (!value.matches("topiary-crc32:[0-9a-f]{8}")) {
      throw new KerasFileException(file, null, "attribute " + ATTRIBUTE + " is not a Topiary checksum: '" + value + "'");
    }
    if (!value.equals(value(config, weights))) {
      throw new KerasFileException(file, null, "checksum mismatch (attribute " + ATTRIBUTE + "): its model config or"
          + " weights were changed after Topiary wrote it, or the file is corrupt");
    }
  }
}
