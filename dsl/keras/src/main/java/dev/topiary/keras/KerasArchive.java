package dev.topiary.keras;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.dsl.export.ReadLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** The Keras 3 zip ({@code config.json}, {@code metadata.json}, {@code model.weights.h5}), read with bounds. */
final class KerasArchive {
  static final String CONFIG = "config.json";
  static final String METADATA = "metadata.json";
  static final String WEIGHTS = "model.weights.h5";
  static final int MAX_JSON = 64 << 20;
  static final int MAX_WEIGHTS = Integer.MAX_VALUE - 64;
  static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).maxStringLength(MAX_JSON).build())
      .build());

  record Contents(JsonNode config, JsonNode metadata, byte[] weights) {}

  private KerasArchive() {}

  /** The three entries, each refused before inflating if it declares more than the budget of {@code tally} allows. */
  static Contents read(String file, Path path, ReadLimits.Tally tally) {
    try (ZipFile zip = new ZipFile(path.toFile())) {
      JsonNode config = json(file, zip, CONFIG, true, tally);
      JsonNode metadata = json(file, zip, METADATA, false, tally);
      byte[] weights = bytes(file, zip, WEIGHTS, MAX_WEIGHTS, tally);
      if (weights == null) {
        throw new KerasFileException(file, null, "the Keras archive has no " + WEIGHTS
            + (zip.getEntry("model.weights.npz") != null ? " (npz weights are not supported)" : ""));
      }
      return new Contents(config, metadata, weights);
    } catch (java.util.zip.ZipException e) {
      throw new KerasFileException(file, null, "not a readable zip archive, truncated or corrupt (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new KerasFileException(file, null, "cannot be read (" + e + ")");
    }
  }

  static JsonNode parse(String file, String what, byte[] bytes) {
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new KerasFileException(file, null, what + " is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new KerasFileException(file, null, what + " is not valid JSON (" + (e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage()) + ")");
    }
  }

  private static JsonNode json(String file, ZipFile zip, String name, boolean required, ReadLimits.Tally tally)
      throws IOException {
    byte[] bytes = bytes(file, zip, name, MAX_JSON, tally);
    if (bytes == null) {
      if (required) {
        throw new KerasFileException(file, null, "the zip has no " + name + ": not a Keras 3 model file");
      }
      return ObjectMapperHolder.EMPTY;
    }
    return parse(file, name, bytes);
  }

  /**
   * An entry's bytes, refusing before inflating one whose declared size exceeds {@code max} or the
   * read budget, or whose declared expansion passes {@link ReadLimits#maxCompressionRatio} (a zip
   * bomb); and refusing it while inflating once it inflates to more than it declared.
   */
  private static byte[] bytes(String file, ZipFile zip, String name, int max, ReadLimits.Tally tally)
      throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      return null;
    }
    long declared = e.getSize();
    if (declared < 0) { // ZipFile takes sizes from the central directory, which always has them
      throw new KerasFileException(file, null, name + " declares no size");
    }
    if (declared > max) {
      throw new KerasFileException(file, null, name + " claims " + declared + " bytes (at most " + max + " are read)");
    }
    long compressed = e.getCompressedSize();
    int ratio = ReadLimits.maxCompressionRatio();
    if (declared > ReadLimits.RATIO_FREE_BYTES && compressed >= 0 && declared > compressed * ratio) {
      throw new KerasFileException(file, null, name + " would inflate from " + compressed + " to " + declared
          + " bytes, more than " + ratio + " times (a zip bomb? ReadLimits.setMaxCompressionRatio raises the limit)");
    }
    tally.charge(declared, name);
    try (InputStream in = zip.getInputStream(e)) {
      // Into one array of the declared size where the archive holds at least that many bytes (Keras stores
      // its weights uncompressed): readNBytes(n) reads 8 KB pieces and joins them, and the collector copied
      // the pieces of a large file again at every young collection (InceptionResNetV2: 225 MB). A size the
      // archive cannot hold is read piece by piece and fails at its end, with nothing allocated ahead.
      byte[] out;
      if (declared <= zipBytes(zip)) {
        out = new byte[(int) declared];
        int n = in.readNBytes(out, 0, out.length);
        if (n < out.length) {
          out = Arrays.copyOf(out, n); // truncated: refused below
        }
      } else {
        out = in.readNBytes((int) declared);
      }
      if (in.read() != -1) {
        throw new KerasFileException(file, null, name + " holds more bytes than its declared " + declared);
      }
      if (declared >= 0 && out.length != declared) {
        throw new KerasFileException(file, null, name + " is truncated: " + out.length + " of " + declared + " bytes");
      }
      // The JDK does not check a zip entry's CRC-32 when reading it through ZipFile: check it here,
      // the only checksum a Keras file has.
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(out);
      if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
        throw new KerasFileException(file, null, name + " is corrupt (CRC-32 mismatch)");
      }
      return out;
    } catch (java.util.zip.ZipException | java.io.EOFException ex) {
      throw new KerasFileException(file, null, name + " is corrupt or truncated (" + ex.getMessage() + ")");
    }
  }

  private static long zipBytes(ZipFile zip) {
    return new java.io.File(zip.getName()).length();
  }

  private static final class ObjectMapperHolder {
    static final JsonNode EMPTY = JSON.createObjectNode();
  }
}
