package dev.topiary.samples.data;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.io.IdxFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * MNIST and Fashion-MNIST for the samples: the embedded subset or a directory of IDX files, read with
 * the library's {@link IdxFiles} (gzip-compressed or not; corrupt or truncated files fail with the file
 * name and what is wrong).
 */
public final class Idx {

  private Idx() {}

  /** One split of a data set: images {@code (n, rows, cols)} and labels {@code (n,)}. */
  public record Split(HostArray images, HostArray labels) {
    public int size() {
      return images.examples();
    }

    /** The split as a dataset of (image, label) examples. */
    public Dataset dataset() {
      return Dataset.of(images, labels);
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
    HostArray x = IdxFiles.readImages(images, imagesName);
    HostArray y = IdxFiles.readLabels(labels, labelsName);
    IdxFiles.requireSameCount(x, imagesName, y, labelsName);
    return new Split(x, y);
  }
}
