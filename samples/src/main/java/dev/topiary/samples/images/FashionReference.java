package dev.topiary.samples.images;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.ImageAugmentation;
import dev.topiary.dsl.data.io.ImageDecoding;
import dev.topiary.dsl.data.io.ImageFolderDataset;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.activations.ReLU;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.GlobalPruningSpec;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.reference.ReferenceTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The reference's ImageNet table (MobileNet V2 and an Inception/ResNet-style convnet, dense, 50 %
 * random and 2:4) at our scale: Fashion-MNIST as 32x32 RGB images written by {@link FashionToImages},
 * read through Topiary's image datasets (the PNG folder by default, the JPEG TFRecords with
 * {@code --tfrecords}), decoded and scaled to [0, 1]. For each model and seed: trained dense from
 * scratch, then each variant fine-tuned from the dense weights (50 %, 75 %, 87.5 % per layer and
 * globally, PolynomialDecay from 0 reaching the target at three quarters of the fine-tuning; 2:4
 * from the first step), stripped and evaluated on the test images. Printed: per seed as it goes, then
 * accuracy mean (min - max) over the seeds and the loss against dense in points (mean of the per-seed
 * differences).
 *
 * <p>Pruned: every Conv2D and Dense kernel (the 1x1 expansion and projection convolutions, the stems,
 * the shortcut projections, the classifier), as TFMOT's registry. Left dense: depthwise kernels (as
 * the reference), batch normalization and biases. Under 2:4 the stem (3 input channels, fewer than a
 * group of 4) loses one weight in three, not half: the warning names it.
 *
 * <p>Run (after {@code FashionToImages --out DIR}): {@code mvn -B -ntp -q -pl samples -am compile exec:java
 * -Dexec.mainClass=dev.topiary.samples.images.FashionReference -Dexec.args="--images DIR"}. Options:
 * {@code --tfrecords} (read {@code DIR/tfrecords/*} instead of {@code DIR/png}), {@code --train N}
 * (20000; a seeded subset of the 60,000), {@code --test N} (10000), {@code --epochs N} (dense, 4),
 * {@code --fine-tune N} (2), {@code --batch N} (64), {@code --seeds N} (3: seeds 0..N-1),
 * {@code --models mobilenetv2,resnet} (both), {@code --seeds-resnet N} (as {@code --seeds}),
 * {@code --alpha A} (0.35), {@code --stem-stride S} (2, as Keras), {@code --augment} (random flips and shifts of up to 2 pixels, seeded),
 * {@code --threads N} (decoding threads, 2), {@code --variants dense} (only train dense: timing).
 */
public final class FashionReference {
  private FashionReference() {}

  public static final int CLASSES = 10;

  /** Batch normalization momentum: 0.9, not Keras' 0.99 (MobileNetV2: 0.999); see {@code FashionMobileNet#model}. */
  static final float BN_MOMENTUM = 0.9f;

  /** Keras' {@code _make_divisible(v, 8)}: channels rounded to a multiple of 8, never down by more than 10 %. */
  static int divisible(double v) {
    int d = Math.max(8, (int) (v + 4) / 8 * 8);
    return d < 0.9 * v ? d + 8 : d;
  }

  private static Node bnRelu6(Node x, boolean relu) {
    Node y = BatchNormalization.of().momentum(BN_MOMENTUM).apply(x);
    return relu ? ReLU.of().maxValue(6).apply(y) : y;
  }

  /**
   * MobileNetV2 (Sandler et al., Keras' {@code MobileNetV2} layer for layer) at width {@code alpha} for
   * {@code size} x {@code size} x 3 images: a 3x3 stem, 17 inverted residual blocks (1x1 expansion by 6
   * except the first, 3x3 depthwise, linear 1x1 projection, each followed by batch normalization and
   * ReLU6 but the projection; Add when stride 1 keeps the channels), a 1x1 convolution to 1280,
   * global average pooling and the classifier. {@code stemStride} 2 is Keras' layout (at 32x32 the last
   * blocks see 1x1); CIFAR versions use 1 (2x2 at the end, four times the computation).
   */
  public static ModelSpec mobileNetV2(double alpha, int size, int classes, int stemStride) {
    Node input = Node.input(size, size, 3);
    int channels = divisible(32 * alpha);
    Node x = bnRelu6(Conv2D.of(channels, 3).strides(stemStride).padding(Padding.SAME).useBias(false)
        .apply(input), true);
    int[][] stages = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
        {6, 320, 1, 1}}; // expansion, filters, repeats, first stride
    for (int[] s : stages) {
      int filters = divisible(s[1] * alpha);
      for (int r = 0; r < s[2]; r++) {
        int stride = r == 0 ? s[3] : 1;
        Node h = x;
        if (s[0] != 1) {
          h = bnRelu6(Conv2D.of(channels * s[0], 1).useBias(false).apply(h), true);
        }
        h = bnRelu6(DepthwiseConv2D.of(3).strides(stride).padding(Padding.SAME).useBias(false).apply(h), true);
        h = bnRelu6(Conv2D.of(filters, 1).useBias(false).apply(h), false);
        x = stride == 1 && channels == filters ? Add.of().apply(x, h) : h;
        channels = filters;
      }
    }
    x = bnRelu6(Conv2D.of(alpha > 1 ? divisible(1280 * alpha) : 1280, 1).useBias(false).apply(x), true);
    x = GlobalAveragePooling2D.of().apply(x);
    return Functional.of(input, Dense.of(classes).apply(x));
  }

  /**
   * A CIFAR ResNet (He et al.'s 6n+2 layers; {@code n = 1}: ResNet-8): a 3x3 stem of 16 filters, three
   * stages of {@code n} basic blocks (two 3x3 convolutions with batch normalization, ReLU after the
   * Add) at 16, 32 and 64 filters, the second and third starting with stride 2 and a 1x1 projection
   * shortcut, global average pooling and the classifier.
   */
  public static ModelSpec resNet(int n, int size, int classes) {
    Node input = Node.input(size, size, 3);
    Node x = relu(bn(Conv2D.of(16, 3).padding(Padding.SAME).useBias(false).apply(input)));
    int channels = 16;
    for (int stage = 0; stage < 3; stage++) {
      int filters = 16 << stage;
      for (int b = 0; b < n; b++) {
        int stride = stage > 0 && b == 0 ? 2 : 1;
        Node h = relu(bn(Conv2D.of(filters, 3).strides(stride).padding(Padding.SAME).useBias(false).apply(x)));
        h = bn(Conv2D.of(filters, 3).padding(Padding.SAME).useBias(false).apply(h));
        Node shortcut = stride == 1 && channels == filters ? x
            : bn(Conv2D.of(filters, 1).strides(stride).useBias(false).apply(x));
        x = relu(Add.of().apply(shortcut, h));
        channels = filters;
      }
    }
    x = GlobalAveragePooling2D.of().apply(x);
    return Functional.of(input, Dense.of(classes).apply(x));
  }

  private static Node bn(Node x) {
    return BatchNormalization.of().momentum(BN_MOMENTUM).apply(x);
  }

  private static Node relu(Node x) {
    return ReLU.of().apply(x);
  }

  /**
   * The table's variants for {@code fineTuneSteps}: 50 % (per layer), 2:4, 75 % and 87.5 % per layer
   * and globally. Masks update every 10 steps; PolynomialDecay goes from 0 to the target at three
   * quarters of the fine-tuning (on an update step), so the last quarter trains at the final mask.
   */
  public static List<ReferenceTable.Variant> variants() {
    List<ReferenceTable.Variant> v = new ArrayList<>();
    v.add(perLayer("50 %", 0.5));
    v.add(new ReferenceTable.Variant("2:4", 0.5, (spec, steps) ->
        spec.prunedWith(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0, -1, frequency(steps))))));
    for (double t : List.of(0.75, 0.875)) {
      String name = (t == 0.75 ? "75 %" : "87.5 %");
      v.add(perLayer(name, t));
      v.add(new ReferenceTable.Variant(name + " global", t, (spec, steps) ->
          spec.prunedGlobally(GlobalPruningSpec.of(schedule(t, steps)))));
    }
    return v;
  }

  private static ReferenceTable.Variant perLayer(String name, double target) {
    return new ReferenceTable.Variant(name, target, (spec, steps) -> spec.prunedWith(PruningSpec.of(schedule(target,
        steps))));
  }

  /** Every 10 steps (fewer on tiny data, so that at least one update lands inside the fine-tuning). */
  static int frequency(long steps) {
    return (int) Math.max(1, Math.min(10, steps / 4));
  }

  static PolynomialDecay schedule(double target, long steps) {
    int f = frequency(steps);
    long end = Math.max(f, steps * 3 / 4 / f * f);
    return PolynomialDecay.of(0.0, target, 0, end, 3, f);
  }

  /**
   * The images of {@code dir} (a class folder as {@code FashionToImages} writes it), decoded once
   * through {@link ImageFolderDataset} into memory: the first {@code limit} of a seeded shuffle of the
   * files (all of them when {@code limit} is larger).
   */
  public static ReferenceTable.Data readFolder(Path dir, int size, int limit, int threads) {
    ImageFolderDataset images = ImageFolderDataset.of(dir).image(ImageDecoding.of(size, size)
        .scale(ImageDecoding.Scale.UNIT)).decodeThreads(threads);
    Dataset subset = limit < images.files().size() ? images.shuffle(1234).take(limit) : images;
    return collect(subset);
  }

  /** The images of the TFRecord shards {@code files} ({@code FashionToImages}' layout), the first {@code limit}. */
  public static ReferenceTable.Data readTfRecords(List<Path> files, int size, int limit, int threads) {
    Dataset records = TFRecordDataset.of(files)
        .imageInput("image/encoded", ImageDecoding.of(size, size).scale(ImageDecoding.Scale.UNIT))
        .intLabel("image/class/label").decodeThreads(threads);
    // The shards hold the IDX files' order (not sorted by class), so the first records are a fair subset.
    return collect(records.take(limit));
  }

  private static ReferenceTable.Data collect(Dataset data) {
    List<HostArray> x = new ArrayList<>();
    List<int[]> y = new ArrayList<>();
    try (Dataset.Batches batches = data.batches(0, 500)) {
      while (batches.hasNext()) {
        Batch b = batches.next();
        x.add(b.inputs().get(0));
        y.add(b.labels().get(0).ints());
      }
    }
    int[] ids = y.stream().flatMapToInt(Arrays::stream).toArray();
    if (ids.length == 0) {
      throw new IllegalArgumentException("no images read from " + data);
    }
    return new ReferenceTable.Data(List.of(HostArray.concat(x)), HostArray.ofLabels(ids), ids);
  }

  /** The training data as fit sees it: arrays (shuffled by fit), or with seeded flips and 2-pixel shifts. */
  static Dataset training(ReferenceTable.Data train, boolean augment, long seed) {
    Dataset d = Dataset.of(train.inputs(), List.of(train.labels()));
    if (!augment) {
      return d;
    }
    return d.shuffle(train.classIds().length, seed)
        .augment(ImageAugmentation.seeded(seed).flipHorizontal().translate(2.0 / 32, 2.0 / 32), 2);
  }

  static Compile compile(long seed) {
    return Compile.of(Optimizer.adam(0.002f), Loss.sparseCategoricalCrossentropy(true)).seed(seed);
  }

  /** One model's table over several seeds: rows per seed, in the variants' order. */
  public static List<List<ReferenceTable.Row>> table(String model, ModelSpec spec, ReferenceTable.Data train,
      ReferenceTable.Data test, ReferenceTable.Budget budget, List<ReferenceTable.Variant> variants, int seeds,
      boolean augment) {
    List<List<ReferenceTable.Row>> all = new ArrayList<>();
    for (int seed = 0; seed < seeds; seed++) {
      long[] t0 = {System.nanoTime()};
      int s = seed;
      all.add(ReferenceTable.run(spec, compile(seed), training(train, augment, seed), train.classIds().length, test,
          budget, variants, ReferenceTable.Measure.ACCURACY, row -> {
            System.out.printf(Locale.ROOT, "%s seed %d: %-15s accuracy %.4f  sparsity %s  (%.0f s)%n", model, s,
                row.name(), row.accuracy(), ReferenceTable.sparsityRange(row.sparsity()),
                (System.nanoTime() - t0[0]) / 1e9);
            t0[0] = System.nanoTime();
          }));
    }
    return all;
  }

  /** Accuracy mean (min - max) over the seeds and the mean loss against each seed's dense model, in points. */
  public static String format(String title, List<List<ReferenceTable.Row>> seeds) {
    StringBuilder s = new StringBuilder("| " + title + " | accuracy, mean (min - max) | loss vs dense (points) |"
        + " pruned weights' sparsity |\n|---|---|---|---|\n");
    for (int r = 0; r < seeds.get(0).size(); r++) {
      double sum = 0;
      double lo = 1;
      double hi = 0;
      double loss = 0;
      for (List<ReferenceTable.Row> rows : seeds) {
        double a = rows.get(r).accuracy();
        sum += a;
        lo = Math.min(lo, a);
        hi = Math.max(hi, a);
        loss += 100 * (rows.get(0).accuracy() - a);
      }
      ReferenceTable.Row row = seeds.get(0).get(r);
      s.append(String.format(Locale.ROOT, "| %s | %.2f %% (%.2f - %.2f) | %s | %s |%n", row.name(),
          100 * sum / seeds.size(), 100 * lo, 100 * hi, r == 0 ? "-" : String.format(Locale.ROOT, "%.2f",
          loss / seeds.size()), ReferenceTable.sparsityRange(row.sparsity())));
    }
    return s.toString();
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> o = options(args);
    if (!o.containsKey("--images")) {
      throw new IllegalArgumentException("give --images DIR, the --out folder of FashionToImages");
    }
    Path dir = Path.of(o.get("--images"));
    int size = 32;
    int trainSize = Integer.parseInt(o.getOrDefault("--train", "20000"));
    int testSize = Integer.parseInt(o.getOrDefault("--test", "10000"));
    int threads = Integer.parseInt(o.getOrDefault("--threads", "2"));
    int seeds = Integer.parseInt(o.getOrDefault("--seeds", "3"));
    int seedsResNet = Integer.parseInt(o.getOrDefault("--seeds-resnet", String.valueOf(seeds)));
    double alpha = Double.parseDouble(o.getOrDefault("--alpha", "0.35"));
    boolean augment = o.containsKey("--augment");
    ReferenceTable.Budget budget = new ReferenceTable.Budget(Integer.parseInt(o.getOrDefault("--epochs", "4")),
        Integer.parseInt(o.getOrDefault("--fine-tune", "2")), Integer.parseInt(o.getOrDefault("--batch", "64")));
    List<String> models = List.of(o.getOrDefault("--models", "mobilenetv2,resnet").split(","));
    List<ReferenceTable.Variant> variants = "dense".equals(o.get("--variants")) ? List.of() : variants();

    long t0 = System.nanoTime();
    ReferenceTable.Data train;
    ReferenceTable.Data test;
    if (o.containsKey("--tfrecords")) {
      train = readTfRecords(shards(dir.resolve("tfrecords"), "train-"), size, trainSize, threads);
      test = readTfRecords(shards(dir.resolve("tfrecords"), "test-"), size, testSize, threads);
    } else {
      train = readFolder(dir.resolve("png").resolve("train"), size, trainSize, threads);
      test = readFolder(dir.resolve("png").resolve("test"), size, testSize, threads);
    }
    System.out.printf(Locale.ROOT, "%d training and %d test images (%s), 32x32x3, decoded in %.1f s; budget: %d dense"
        + " + %d fine-tuning epochs, batch %d%s%n", train.classIds().length, test.classIds().length,
        o.containsKey("--tfrecords") ? "JPEG TFRecords" : "PNG folder", (System.nanoTime() - t0) / 1e9,
        budget.denseEpochs(), budget.fineTuneEpochs(), budget.batchSize(), augment ? ", augmented" : "");
    Map<String, String> tables = new LinkedHashMap<>();
    for (String m : models) {
      long m0 = System.nanoTime();
      String title;
      List<List<ReferenceTable.Row>> rows;
      switch (m.trim()) {
        case "mobilenetv2" -> {
          title = "MobileNetV2 " + alpha;
          rows = table(title, mobileNetV2(alpha, size, CLASSES, Integer.parseInt(o.getOrDefault("--stem-stride", "2"))), train, test, budget, variants, seeds, augment);
        }
        case "resnet" -> {
          title = "ResNet-8";
          rows = table(title, resNet(1, size, CLASSES), train, test, budget, variants, seedsResNet, augment);
        }
        default -> throw new IllegalArgumentException("unknown model '" + m + "' in --models (mobilenetv2, resnet)");
      }
      tables.put(title, format(title, rows) + String.format(Locale.ROOT, "%n%s: %d seed(s), %.1f min%n", title,
          rows.size(), (System.nanoTime() - m0) / 60e9));
      System.out.println();
      System.out.print(tables.get(title));
      System.out.println();
    }
    System.out.println();
    tables.values().forEach(System.out::println);
    System.out.printf(Locale.ROOT, "total %.1f min%n", (System.nanoTime() - t0) / 60e9);
  }

  private static List<Path> shards(Path dir, String prefix) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
      if (found.isEmpty()) {
        throw new IllegalArgumentException("no " + prefix + "* shards in " + dir);
      }
      return found;
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    List<String> valued = List.of("--images", "--train", "--test", "--epochs", "--fine-tune", "--batch", "--seeds",
        "--seeds-resnet", "--models", "--alpha", "--stem-stride", "--threads", "--variants");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--tfrecords") || a.equals("--augment")) {
        o.put(a, "true");
      } else if (valued.contains(a)) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        o.put(a, args[++i]);
      } else {
        throw new IllegalArgumentException("unknown option '" + a + "' (options: " + valued
            + ", --tfrecords, --augment)");
      }
    }
    return o;
  }
}
