package dev.topiary.samples.images;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.ImageAugmentation;
import dev.topiary.dsl.data.io.ImageDecoding;
import dev.topiary.dsl.data.io.ImageFolderDataset;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A small CNN trained from a folder of images, one subfolder per class, as Keras' image classification
 * tutorial does with {@code image_dataset_from_directory}: a seeded 80/20 training/validation split of
 * the folder, files shuffled every epoch, images decoded on {@code --threads} threads, randomly shifted
 * (augmentation) and prefetched; then the model pruned to {@code --target} (PolynomialDecay) and
 * fine-tuned. Without {@code --folder}, it first writes the embedded MNIST training subset (8,000 images)
 * as PNG files under {@code target/mnist-png} and trains from there.
 *
 * <p>Options: {@code --folder DIR} (images of any size, resized to {@code --size}), {@code --size N}
 * (28), {@code --rgb} (grayscale by default), {@code --epochs N} (3), {@code --threads N} (2),
 * {@code --target S} (0.5), {@code --seed N} (1), {@code --json FILE} (the rows as JSON), {@code --quiet}.
 */
public final class ImageFolderTraining {
  private ImageFolderTraining() {}

  /** The folder the embedded MNIST subset is written to when no folder is given. */
  static final Path DEFAULT_FOLDER = Path.of("target", "mnist-png");

  /** Writes the embedded MNIST training subset as PNG class folders ("0" .. "9"), once. */
  static Path writeMnistFolder(Path dir) {
    if (Files.isDirectory(dir.resolve("9"))) {
      return dir;
    }
    Idx.Split train = Idx.embedded("train");
    float[] px = train.images().floats();
    for (int i = 0; i < px.length; i++) {
      px[i] *= 255f; // IdxFiles reads [0, 1]; images hold 0..255
    }
    List<String> classes = IntStream.range(0, 10).mapToObj(Integer::toString).toList();
    ImageFolderDataset.write(dir, HostArray.of(px, train.images().shape()), train.labels().ints(), classes);
    return dir;
  }

  /** Two conv blocks and a classifier for {@code size} x {@code size} x {@code channels} images. */
  static ModelSpec model(int size, int channels, int classes) {
    return Sequential.of(Input.of(size, size, channels),
        Conv2D.of(16, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Conv2D.of(32, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Flatten.of(),
        Dense.of(classes));
  }

  public static void main(String[] args) throws java.io.IOException {
    Map<String, String> o = options(args);
    int size = Integer.parseInt(o.getOrDefault("--size", "28"));
    int epochs = Integer.parseInt(o.getOrDefault("--epochs", "3"));
    int threads = Integer.parseInt(o.getOrDefault("--threads", "2"));
    double target = Double.parseDouble(o.getOrDefault("--target", "0.5"));
    long seed = Long.parseLong(o.getOrDefault("--seed", "1"));
    boolean rgb = o.containsKey("--rgb");
    ProgressSink progress = o.containsKey("--quiet") ? ProgressSink.silent() : ProgressSink.console();
    Path folder = o.containsKey("--folder") ? Path.of(o.get("--folder")) : writeMnistFolder(DEFAULT_FOLDER);

    ImageDecoding decoding = ImageDecoding.of(size, size).scale(ImageDecoding.Scale.UNIT);
    decoding = rgb ? decoding : decoding.grayscale();
    ImageFolderDataset images = ImageFolderDataset.of(folder).image(decoding).decodeThreads(threads);
    ImageFolderDataset trainFiles = images.validationSplit(0.2, ImageFolderDataset.Subset.TRAINING, seed).shuffle(seed);
    ImageFolderDataset valFiles = images.validationSplit(0.2, ImageFolderDataset.Subset.VALIDATION, seed);
    int classes = trainFiles.classNames().size();
    if (!o.containsKey("--quiet")) {
      System.out.printf("%s: %d classes %s, %d training and %d validation images, %dx%dx%d%n", folder, classes,
          trainFiles.classNames(), trainFiles.files().size(), valFiles.files().size(), size, size, rgb ? 3 : 1);
    }

    Dataset train = trainFiles.augment(ImageAugmentation.seeded(seed).translate(0.1, 0.1)).batch(32).prefetch(2);
    Dataset validation = valFiles.batch(128).prefetch(2);
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY)
        .seed(seed);
    ModelSpec spec = model(size, rgb ? 3 : 1, classes);
    List<String> rows = new ArrayList<>();
    List<String> json = new ArrayList<>();
    try (Model dense = spec.compile(compile)) {
      long t0 = System.nanoTime();
      dense.fit(train, Fit.ofEpochs(epochs).progress(progress));
      double seconds = (System.nanoTime() - t0) / 1e9;
      double accuracy = dense.evaluate(validation).get("accuracy");
      rows.add(String.format("| dense | %d | %.4f | %.0f |", epochs, accuracy, seconds));
      json.add(String.format(java.util.Locale.ROOT, "{\"model\": \"dense\", \"validation_accuracy\": %.4f, \"seconds\": %.1f}",
          accuracy, seconds));
      long steps = (trainFiles.files().size() + 31) / 32;
      // Masks update every 10 steps (fewer on tiny folders); the last update lands on the target.
      int frequency = (int) Math.max(1, Math.min(10, steps - 1));
      long end = Math.max(1, (steps - 1) / frequency * frequency);
      ModelSpec prunable = spec.prunedWith(PruningSpec.of(PolynomialDecay.of(0.0, target, 0, end, 3, frequency)));
      try (Model pruned = prunable.compile(compile)) {
        pruned.setWeights(dense.weights());
        t0 = System.nanoTime();
        pruned.fit(train, Fit.ofEpochs(1).progress(progress));
        seconds = (System.nanoTime() - t0) / 1e9;
        try (Model stripped = pruned.strip()) {
          double prunedAccuracy = stripped.evaluate(validation).get("accuracy");
          rows.add(String.format("| pruned %.2f | 1 | %.4f | %.0f |", target, prunedAccuracy, seconds));
          json.add(String.format(java.util.Locale.ROOT, "{\"model\": \"pruned %s\", \"sparsity\": %s, "
              + "\"validation_accuracy\": %.4f, \"seconds\": %.1f}", target,
              pruned.sparsity().values().stream().map(String::valueOf).toList(), prunedAccuracy, seconds));
        }
      }
    }
    if (o.containsKey("--json")) {
      Files.writeString(Path.of(o.get("--json")), "{\"rows\": [" + String.join(", ", json) + "]}\n");
    }
    if (!o.containsKey("--quiet")) {
      System.out.println();
      System.out.println("| model | epochs | validation accuracy | seconds |");
      System.out.println("|---|---|---|---|");
      rows.forEach(System.out::println);
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new java.util.HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'");
      }
      if (a.equals("--rgb") || a.equals("--quiet")) {
        o.put(a, "true");
      } else if (List.of("--folder", "--size", "--epochs", "--threads", "--target", "--seed", "--json").contains(a)) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        o.put(a, args[++i]);
      } else {
        throw new IllegalArgumentException("unknown option " + a
            + " (options: --folder DIR --size N --rgb --epochs N --threads N --target S --seed N --json FILE --quiet)");
      }
    }
    return o;
  }
}
