package dev.topiary.samples.images;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.io.ImageDecoding;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.data.io.TFRecords;
import dev.topiary.samples.data.Idx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.proto.Feature;

/**
 * Fashion-MNIST (or MNIST) as real image pipelines store images: upscaled from 28x28 grayscale to
 * {@code --size} x {@code --size} RGB (bilinear, as {@code tf.image.resize}; the gray value repeated
 * over the channels), written as
 *
 * <ul>
 *   <li>a PNG image folder, {@code OUT/png/train/<class>/<index>.png} and {@code OUT/png/test/...}, read
 *       by {@code ImageFolderDataset} and Keras' {@code image_dataset_from_directory}; classes are named
 *       {@code 0_t-shirt_top} .. {@code 9_ankle_boot}, so their sorted order is the label order;</li>
 *   <li>JPEG TFRecords in the layout of TF's ImageNet conversion script, {@code OUT/tfrecords/train-00000-of-00008}
 *       ... ({@code image/encoded}, {@code image/format}, {@code image/class/label} 0..9,
 *       {@code image/class/text}, {@code image/height}, {@code image/width}, {@code image/channels},
 *       {@code image/colorspace}), records in the IDX files' order, one shard after another.</li>
 * </ul>
 *
 * Run: {@code mvn -B -ntp -q -pl samples -am compile exec:java -Dexec.mainClass=dev.topiary.samples.images.FashionToImages
 * -Dexec.args="--data /usr/share/datasets/fashion-mnist --out target/fashion-images"}; options {@code --size N}
 * (32), {@code --shards N} (8 for train, a quarter as many for test, at least 1), {@code --mnist} (digit class names).
 */
public final class FashionToImages {
  private FashionToImages() {}

  /** Fashion-MNIST's classes, as folder names (its "T-shirt/top" has a slash). */
  public static final List<String> FASHION_CLASSES = List.of("0_t-shirt_top", "1_trouser", "2_pullover", "3_dress",
      "4_coat", "5_sandal", "6_shirt", "7_sneaker", "8_bag", "9_ankle_boot");

  public static void main(String[] args) throws IOException {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data", "--out", "--size", "--shards" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(args[i] + " needs a value");
          }
          o.put(args[i], args[++i]);
        }
        case "--mnist" -> o.put("--mnist", "true");
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (options: --data DIR --out DIR --size N --shards N --mnist)");
      }
    }
    if (!o.containsKey("--data") || !o.containsKey("--out")) {
      throw new IllegalArgumentException("give --data DIR (the four IDX files) and --out DIR");
    }
    Path data = Path.of(o.get("--data"));
    Path out = Path.of(o.get("--out"));
    int size = Integer.parseInt(o.getOrDefault("--size", "32"));
    int shards = Integer.parseInt(o.getOrDefault("--shards", "8"));
    List<String> classes = o.containsKey("--mnist")
        ? java.util.stream.IntStream.range(0, 10).mapToObj(Integer::toString).toList() : FASHION_CLASSES;
    for (String split : List.of("train", "test")) {
      Idx.Split s = Idx.read(data, split.equals("train") ? "train" : "t10k");
      int n = convert(s, split, size, split.equals("train") ? shards : Math.max(1, shards / 4), classes, out);
      System.out.printf("%s: %d images -> %s, %s%n", split, n, out.resolve("png").resolve(split),
          out.resolve("tfrecords").resolve(split + "-*"));
    }
  }

  /** Writes one split as {@code OUT/png/<name>/...} and {@code OUT/tfrecords/<name>-*}; returns the number of images. */
  public static int convert(Idx.Split split, String name, int size, int shards, List<String> classes, Path out)
      throws IOException {
    HostArray images = split.images();
    int n = images.examples();
    int rows = (int) images.shape()[1];
    int cols = (int) images.shape()[2];
    int[] labels = split.labels().ints();
    float[] all = images.floats();
    ImageDecoding upscale = ImageDecoding.of(size, size); // RGB, 0..255, bilinear
    Path png = out.resolve("png").resolve(name);
    for (String c : classes) {
      Files.createDirectories(png.resolve(c));
    }
    Path records = out.resolve("tfrecords");
    Files.createDirectories(records);
    int perShard = (n + shards - 1) / shards;
    int digits = String.valueOf(n - 1).length();
    TFRecords.Writer writer = null;
    try {
      for (int i = 0; i < n; i++) {
        if (i % perShard == 0) {
          if (writer != null) {
            writer.close();
          }
          writer = TFRecords.writer(records.resolve(String.format(Locale.ROOT, "%s-%05d-of-%05d", name, i / perShard,
              shards)));
        }
        float[] gray = new float[rows * cols];
        for (int j = 0; j < gray.length; j++) {
          gray[j] = Math.round(all[i * gray.length + j] * 255f); // IdxFiles reads x / 255: back to the bytes
        }
        float[] rgb = upscale.decode(ImageDecoding.encode(gray, rows, cols, 1, "png"));
        int label = labels[i];
        Files.write(png.resolve(classes.get(label)).resolve(String.format(Locale.ROOT, "%0" + digits + "d.png", i)),
            ImageDecoding.encode(rgb, size, size, 3, "png"));
        Map<String, Feature> f = new LinkedHashMap<>();
        f.put("image/height", TFRecordDataset.ints(size));
        f.put("image/width", TFRecordDataset.ints(size));
        f.put("image/colorspace", TFRecordDataset.bytes("RGB".getBytes(StandardCharsets.UTF_8)));
        f.put("image/channels", TFRecordDataset.ints(3));
        f.put("image/class/label", TFRecordDataset.ints(label));
        f.put("image/class/text", TFRecordDataset.bytes(classes.get(label).getBytes(StandardCharsets.UTF_8)));
        f.put("image/format", TFRecordDataset.bytes("JPEG".getBytes(StandardCharsets.UTF_8)));
        f.put("image/encoded", TFRecordDataset.bytes(ImageDecoding.encode(rgb, size, size, 3, "jpeg")));
        writer.write(TFRecordDataset.example(f));
      }
    } finally {
      if (writer != null) {
        writer.close();
      }
    }
    return n;
  }
}
