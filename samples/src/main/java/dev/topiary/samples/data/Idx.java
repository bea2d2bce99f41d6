package dev.topiary.samples.data;

import dev.topiary.dsl.data.HostArray;
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
 * Reads the IDX files of MNIST and Fashion-MNIST (gzip-compressed or not): images (magic 2051) as
 * floats scaled to [0, 1], labels (magic 2049) as ints. Corrupt or truncated files fail with the file
 * name and what is wrong.
 */
public final class Idx {
  private static final int IMAGES_MAGIC = 2051;
  private static final int LABELS_MAGIC = 2049;

  private Idx() {}

  /** One split of a data set: images {@code (n, rows, cols)} and labels {@code (n,)}. */
  public record Split(HostArray images, HostArray labels) {
    public int size() {
      return images.examples();
    }
  }

  /** MNIST-style {@code <prefix>-images-idx3-ubyte[.gz]} and {@code <prefix>-labels-idx1-ubyte[.gz]} in {@code dir}. */
  public static Split read(Path dir, String prefix) {
    Path images = existing(dir, prefix + "-images-idx3-ubyte");
    Path labels = existing(dir, prefix + "-labels-idx1-ubyte");
    try (InputStream i = Files.newInputStream(images); InputStream l = Files.newInputStream(labels)) {
      return read(i, images.toString(), l, labels.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + images + " / " + labels + ": " + e.getMessage(), e);
    }
  }

  /** The embedded 8,000 / 2,000 subset: {@code "train"} or {@code "t10k"}. */
  public static Split embedded(String prefix) {
    String base = "mnist/" + prefix;
    try (InputStream i = resource(base + "-images-idx3-ubyte.gz"); InputStream l = resource(base + "-labels-idx1-ubyte.gz")) {
      return read(i, base + "-images", l, base + "-labels");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = Idx.class.getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("embedded data " + name + " is missing from the classpath");
    }
    return in;
  }

  private static Path existing(Path dir, String name) {
    for (String candidate : new String[] {name + ".gz", name}) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException("no " + name + "[.gz] in " + dir);
  }

  static Split read(InputStream images, String imagesName, InputStream labels, String labelsName) throws IOException {
    try (DataInputStream img = open(images); DataInputStream lab = open(labels)) {
      int magic = img.readInt();
      if (magic != IMAGES_MAGIC) {
        throw new IllegalArgumentException(imagesName + ": not an IDX image file (magic " + magic + ", expected "
            + IMAGES_MAGIC + ")");
      }
      int n = img.readInt();
      int rows = img.readInt();
      int cols = img.readInt();
      if (n < 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(imagesName + ": invalid dimensions " + n + "x" + rows + "x" + cols);
      }
      int labelMagic = lab.readInt();
      if (labelMagic != LABELS_MAGIC) {
        throw new IllegalArgumentException(labelsName + ": not an IDX label file (magic " + labelMagic + ", expected "
            + LABELS_MAGIC + ")");
      }
      int labelCount = lab.readInt();
      if (labelCount != n) {
        throw new IllegalArgumentException(labelsName + " has " + labelCount + " labels but " + imagesName + " has "
            + n + " images");
      }
      byte[] pixels = new byte[n * rows * cols];
      byte[] labelBytes = new byte[n];
      try {
        img.readFully(pixels);
        lab.readFully(labelBytes);
      } catch (EOFException e) {
        throw new IllegalArgumentException(imagesName + " / " + labelsName + ": truncated file", e);
      }
      float[] x = new float[pixels.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = (pixels[i] & 0xFF) / 255f;
      }
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        y[i] = labelBytes[i] & 0xFF;
      }
      return new Split(HostArray.of(x, n, rows, cols), HostArray.ofLabels(y));
    }
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
