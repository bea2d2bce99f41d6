package dev.topiary.samples.data;

import dev.topiary.dsl.data.HostArray;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Sizes of weights as files: raw float32 and gzip-compressed (level 9, as Python's gzip default). */
public final class WeightFiles {
  private WeightFiles() {}

  /** All weights as little-endian float32, in map order. */
  public static byte[] raw(Map<String, HostArray> weights) {
    int count = weights.values().stream().mapToInt(w -> w.floats().length).sum();
    ByteBuffer buffer = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (HostArray w : weights.values()) {
      for (float f : w.floats()) {
        buffer.putFloat(f);
      }
    }
    return buffer.array();
  }

  public static int gzipSize(Map<String, HostArray> weights) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes) {
      {
        def.setLevel(Deflater.BEST_COMPRESSION);
      }
    }) {
      gzip.write(raw(weights));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.size();
  }
}
