package dev.topiary.benchmarks;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.ImageAugmentation;
import dev.topiary.dsl.data.io.ImageDecoding;
import dev.topiary.dsl.data.io.ImageFolderDataset;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.data.io.TFRecords;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.samples.data.Idx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Does image decoding keep up with training? Images per second of the input pipeline (read, decode
 * 32x32 RGB JPEG from TFRecords or PNG from a folder, shuffle, augment, batch 32, prefetch) on 1 and 2
 * decoding threads, against the images per second MobileNetV2 (alpha 0.35, 32x32x3, 10 classes)
 * trains at batch 32 from arrays in memory, and the same training fed by the pipeline.
 *
 * <p>The images are the embedded MNIST subset upscaled to 32x32 RGB as the Fashion-MNIST conversion
 * does. Run: {@code mvn -B -ntp -q -pl tests/benchmarks -am package -DskipTests}, then
 * {@code (cd tests/benchmarks && java -cp "$(cat target/benchmarks.classpath):target/classes"
 * dev.topiary.benchmarks.ImagePipelineThroughput [images] [training batches])}.
 */
public final class ImagePipelineThroughput {
  private ImagePipelineThroughput() {}

  static int divisible(double v) {
    int d = 8;
    int out = Math.max(d, (int) (v + d / 2.0) / d * d);
    return out < 0.9 * v ? out + d : out;
  }

  static Node bnRelu6(Node x) {
    return ActivationLayer.of(Activation.RELU6).apply(BatchNormalization.of().apply(x));
  }

  /** Keras' MobileNetV2 (alpha, input 32x32x3, no top pretrained weights): the same blocks and widths. */
  public static ModelSpec mobileNetV2(double alpha, int size, int classes) {
    Node in = Input.of(size, size, 3);
    Node x = bnRelu6(Conv2D.of(divisible(32 * alpha), 3).strides(2).padding(Padding.SAME).useBias(false).apply(in));
    int channels = divisible(32 * alpha);
    int[][] blocks = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
        {6, 320, 1, 1}};
    for (int[] b : blocks) {
      for (int i = 0; i < b[2]; i++) {
        int stride = i == 0 ? b[3] : 1;
        int out = divisible(b[1] * alpha);
        Node h = x;
        if (b[0] != 1) {
          h = bnRelu6(Conv2D.of(channels * b[0], 1).useBias(false).apply(h));
        }
        h = bnRelu6(DepthwiseConv2D.of(3).strides(stride).padding(Padding.SAME).useBias(false).apply(h));
        h = BatchNormalization.of().apply(Conv2D.of(out, 1).useBias(false).apply(h));
        x = stride == 1 && out == channels ? Add.of().apply(x, h) : h;
        channels = out;
      }
    }
    x = bnRelu6(Conv2D.of(1280, 1).useBias(false).apply(x));
    x = GlobalAveragePooling2D.of().apply(x);
    return Functional.of(in, Dense.of(classes).apply(x));
  }

  /** The embedded MNIST images upscaled to 32x32 RGB: a JPEG TFRecord file and a PNG folder. */
  static void write(Path records, Path folder, int n) {
    Idx.Split train = Idx.embedded("train");
    float[] px = train.images().floats();
    int[] labels = train.labels().ints();
    ImageDecoding upscale = ImageDecoding.of(32, 32); // RGB, 0..255: gray repeated, resized bilinearly
    float[] all = new float[n * 32 * 32 * 3];
    try (TFRecords.Writer w = TFRecords.writer(records)) {
      for (int i = 0; i < n; i++) {
        float[] one = new float[28 * 28];
        for (int j = 0; j < one.length; j++) {
          one[j] = px[i * 784 + j] * 255f;
        }
        float[] rgb = upscale.decode(ImageDecoding.encode(one, 28, 28, 1, "png"));
        System.arraycopy(rgb, 0, all, i * rgb.length, rgb.length);
        w.write(TFRecordDataset.example(Map.of("image", TFRecordDataset.bytes(ImageDecoding.encode(rgb, 32, 32, 3, "jpeg")),
            "label", TFRecordDataset.ints(labels[i]))));
      }
    }
    ImageFolderDataset.write(folder, HostArray.of(all, n, 32, 32, 3), Arrays.copyOf(labels, n),
        IntStream.range(0, 10).mapToObj(Integer::toString).toList());
  }

  static final ImageDecoding DECODING = ImageDecoding.of(32, 32).scale(ImageDecoding.Scale.MINUS_ONE_TO_ONE);
  static final ImageAugmentation AUGMENT = ImageAugmentation.seeded(1).flipHorizontal().translate(0.125, 0.125);

  static Dataset records(Path file, int threads) {
    return TFRecordDataset.of(file).imageInput("image", DECODING).intLabel("label").decodeThreads(threads)
        .shuffle(1024, 1).augment(AUGMENT).batch(32).prefetch(4);
  }

  static Dataset folder(Path dir, int threads) {
    return ImageFolderDataset.of(dir).image(DECODING).shuffle(1).decodeThreads(threads).augment(AUGMENT).batch(32)
        .prefetch(4);
  }

  /** Images per second of one pass over the pipeline, nothing else consuming it. */
  static double pipelineRate(Dataset d, int epoch) {
    long t0 = System.nanoTime();
    long images = 0;
    try (Dataset.Batches b = d.batches(epoch, 32)) {
      while (b.hasNext()) {
        Batch batch = b.next();
        images += batch.examples();
      }
    }
    return images / ((System.nanoTime() - t0) / 1e9);
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
    int trainBatches = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    Path dir = Files.createTempDirectory("topiary-images");
    Path records = dir.resolve("images.tfrecord");
    Path folder = dir.resolve("folder");
    write(records, folder, n);
    System.out.printf(Locale.ROOT, "%d images, 32x32 RGB (JPEG q95 in TFRecords: %d bytes; PNG folder); %d cores%n", n,
        Files.size(records), Runtime.getRuntime().availableProcessors());

    System.out.println("| pipeline (shuffle, decode, flip + translate, batch 32, prefetch 4) | threads | images/s (3 passes) |");
    System.out.println("|---|---|---|");
    for (String source : List.of("JPEG TFRecords", "PNG folder")) {
      for (int threads : new int[] {1, 2}) {
        StringBuilder rates = new StringBuilder();
        for (int epoch = 0; epoch < 3; epoch++) {
          Dataset d = source.startsWith("JPEG") ? records(records, threads) : folder(folder, threads);
          rates.append(epoch == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", pipelineRate(d, epoch)));
        }
        System.out.printf("| %s | %d | %s |%n", source, threads, rates);
      }
    }

    // ImageNet-sized: a 500x375 photo-like JPEG, central crop 0.875 and resize to 224x224, on one thread.
    float[] photo = new float[375 * 500 * 3];
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < photo.length; i++) {
      int p = i / 3;
      photo[i] = (float) (120 + 100 * Math.sin((p % 500) / 17.0 + i % 3) * Math.cos((p / 500) / 23.0)
          + random.nextGaussian() * 10);
    }
    byte[] jpeg = ImageDecoding.encode(photo, 375, 500, 3, "jpeg");
    ImageDecoding imageNet = ImageDecoding.of(224, 224).centralCrop(0.875).scale(ImageDecoding.Scale.MINUS_ONE_TO_ONE);
    StringBuilder big = new StringBuilder();
    for (int r = 0; r < 3; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        imageNet.decode(jpeg);
      }
      big.append(r == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", 50 / ((System.nanoTime() - t0) / 1e9)));
    }
    System.out.printf("%n500x375 JPEG (%d bytes) -> central crop 0.875 -> 224x224, one thread: %s images/s%n", jpeg.length,
        big);

    ModelSpec spec = mobileNetV2(0.35, 32, 10);
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(1);
    int m = trainBatches * 32;
    // The same images as arrays in memory: what training consumes when input costs nothing.
    List<Batch> decoded = TFRecordDataset.of(records).imageInput("image", DECODING).intLabel("label").decodeThreads(2)
        .shuffle(1024, 1).augment(AUGMENT).take(m).toList(0, 32);
    HostArray x = HostArray.concat(decoded.stream().map(b -> b.inputs().get(0)).toList()).slice(0, m);
    HostArray y = HostArray.concat(decoded.stream().map(b -> b.labels().get(0)).toList()).slice(0, m);
    try (Model model = spec.compile(compile)) {
      model.fit(x.slice(0, 64), y.slice(0, 64), Fit.ofEpochs(1).batchSize(32)); // builds and warms up the graph
      System.out.println();
      System.out.println("| MobileNetV2 0.35, 32x32x3, batch 32, " + trainBatches + " steps | images/s (3 runs) |");
      System.out.println("|---|---|");
      StringBuilder arrays = new StringBuilder();
      for (int r = 0; r < 3; r++) {
        long t0 = System.nanoTime();
        model.fit(x, y, Fit.ofEpochs(1).batchSize(32).shuffle(false));
        arrays.append(r == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", m / ((System.nanoTime() - t0) / 1e9)));
      }
      System.out.println("| from arrays in memory | " + arrays + " |");
      for (int threads : new int[] {1, 2}) {
        StringBuilder fed = new StringBuilder();
        for (int r = 0; r < 3; r++) {
          Dataset d = TFRecordDataset.of(records).imageInput("image", DECODING).intLabel("label").decodeThreads(threads)
              .shuffle(1024, 1).augment(AUGMENT).take(m).batch(32).prefetch(4);
          long t0 = System.nanoTime();
          model.fit(d, Fit.ofEpochs(1));
          fed.append(r == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", m / ((System.nanoTime() - t0) / 1e9)));
        }
        System.out.println("| fed by the JPEG TFRecord pipeline, " + threads + " decoding thread(s) | " + fed + " |");
      }
    }
  }
}
