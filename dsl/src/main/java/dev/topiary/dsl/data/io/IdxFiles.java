package dev.topiary.dsl.data.io;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * IDX files, the format of MNIST and Fashion-MNIST (gzip-compressed or not): images (magic 2051,
 * unsigned bytes {@code [n, rows, cols]}) read as floats scaled to [0, 1], labels (magic 2049, unsigned
 * bytes {@code [n]}) as int class indices. Corrupt or truncated files fail with the file name and what
 * is wrong.
 */
public final class IdxFiles {
  /** The magic number of image files. */
  public static final int IMAGES_MAGIC = 2051;
  /** The magic number of label files. */
  public static final int LABELS_MAGIC = 2049;

  private IdxFiles() {}

  /** Images and labels read into memory, as a dataset of {@code (image [rows, cols], label)}. */
  public static Dataset dataset(Path images, Path labels) {
    HostArray x = readImages(images);
    HostArray y = readLabels(labels);
    requireSameCount(x, images.toString(), y, labels.toString());
    return Dataset.of(x, y);
  }

  /** Checks that images and labels count the same examples. */
  public static void requireSameCount(HostArray images, String imagesName, HostArray labels, String labelsName) {
    if (images.examples() != labels.examples()) {
      throw new IllegalArgumentException(labelsName + " has " + labels.examples() + " labels but " + imagesName
          + " has " + images.examples() + " images");
    }
  }

  /** An image file: floats {@code [n, rows, cols]} in [0, 1]. */
  public static HostArray readImages(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return readImages(in, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A label file: ints {@code [n]}. */
  public static HostArray readLabels(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return readLabels(in, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Images from a stream ({@code name} for errors); the stream is not closed. */
  public static HostArray readImages(InputStream raw, String name) throws IOException {
    DataInputStream in = open(raw);
    int magic = readInt(in, name);
    if (magic != IMAGES_MAGIC) {
      throw new CorruptFileException(name, "not an IDX image file (magic " + magic + ", expected " + IMAGES_MAGIC + ")");
    }
    int n = readInt(in, name);
    int rows = readInt(in, name);
    int cols = readInt(in, name);
    if (n < 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE - 8) {
      throw new CorruptFileException(name, "invalid dimensions " + n + "x" + rows + "x" + cols);
    }
    byte[] pixels = readBytes(in, n * rows * cols, name);
    float[] x = new float[pixels.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (pixels[i] & 0xFF) / 255f;
    }
    return HostArray.of(x, n, rows, cols);
  }

  /** Labels from a stream ({@code name} for errors); the stream is not closed. */
  public static HostArray readLabels(InputStream raw, String name) throws IOException {
    DataInputStream in = open(raw);
    int magic = readInt(in, name);
    if (magic != LABELS_MAGIC) {
      throw new CorruptFileException(name, "not an IDX label file (magic " + magic + ", expected " + LABELS_MAGIC + ")");
    }
    int n = readInt(in, name);
    if (n < 0) {
      throw new CorruptFileException(name, "invalid label count " + n);
    }
    byte[] bytes = readBytes(in, n, name);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = bytes[i] & 0xFF;
    }
    return HostArray.ofLabels(y);
  }

  private static int readInt(DataInputStream in, String name) throws IOException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new CorruptFileException(name, "truncated file (the header is incomplete)");
    }
  }

  private static byte[] readBytes(DataInputStream in, int n, String name) throws IOException {
    // Read in chunks: a corrupt count on a short file fails as truncation, not by allocating it all.
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.min(n, 1 << 20));
    byte[] chunk = new byte[1 << 16];
    int left = n;
    while (left > 0) {
      int r = in.read(chunk, 0, Math.min(chunk.length, left));
      if (r < 0) {
        throw new CorruptFileException(name, "truncated file (" + (n - left) + " of " + n + " values)");
      }
      out.write(chunk, 0, r);
      left -= r;
    }
    return out.toByteArray();
  }

  private static DataInputStream open(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    boolean gzip = b1 == 0x1f && b2 == 0x8b;
    return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(in)) : in);
  }
}
