package dev.topiary.samples.reference;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.activations.Softmax;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.images.FashionReference;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFlavour;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The reference's table for a Keras MobileNetV2, from its {@code .keras} file: load it, fine-tune it dense
 * from the file's weights, prune it 50 % (per layer) and 2:4 from those weights and fine-tune each, then
 * write each model as {@code .keras} and as {@code .tflite} in every flavour and run it in
 * {@code SparseModel}, printing accuracy, the pruned kernels' sparsity, file sizes and batch-1 latency
 * (SparseModel next to TF Java). What is pruned is what the reference prunes: the convolution and Dense
 * kernels; the depthwise kernels, batch normalization and biases stay dense.
 *
 * <pre>
 * mvn -q -pl samples -am compile exec:java -Dexec.mainClass=dev.topiary.samples.reference.KerasMobileNetV2 \
 *     [-Dexec.args="--model my_mobilenetv2.keras --images DIR --out DIR --epochs 2 --fine-tune 1"]
 * </pre>
 *
 * <p>{@code --model}: a Keras 3 MobileNetV2 with 32x32x3 inputs and 10 classes, e.g. from
 * {@code keras.applications.MobileNetV2(alpha=0.35, input_shape=(32, 32, 3), weights=None, classes=10)
 * .save("mobilenetv2.keras")}; without it, the same architecture ({@link FashionReference#mobileNetV2}) is
 * written as a {@code .keras} file first and read back, as a user's file would be. {@code --images}: the
 * folder {@code FashionToImages} writes (Fashion-MNIST as 32x32 PNGs); without it, the embedded MNIST subset
 * padded to 32x32 and repeated to three channels.
 */
public final class KerasMobileNetV2 {
  private KerasMobileNetV2() {}

  /** One row of the table and the files written for it. */
  public record Result(ReferenceTable.Row row, Map<String, Long> fileBytes) {}

  /**
   * Loads {@code keras}, trains and prunes it as the class comment says, and writes each model's files
   * under {@code out} ({@code <row>.keras}, {@code <row>_<flavour>.tflite}).
   */
  public static List<Result> run(Path keras, ReferenceTable.Data train, ReferenceTable.Data test,
      ReferenceTable.Budget budget, Path out, boolean latency) throws IOException {
    KerasModel file = KerasModels.read(keras);
    ModelSpec spec = file.spec();
    Map<String, HostArray> weights;
    try (Model loaded = file.compile(spec, compile(spec))) {
      weights = loaded.weights();
    }
    Files.createDirectories(out);
    List<Result> results = new ArrayList<>();
    List<ReferenceTable.Variant> variants = FashionReference.variants().subList(0, 2); // 50 % per layer, 2:4
    ReferenceTable.run(spec, compile(spec), weights, Dataset.of(train.inputs(), List.of(train.labels())),
        train.classIds().length, test, budget, variants,
        latency ? ReferenceTable.Measure.LATENCY : ReferenceTable.Measure.EXPORTS, (row, model) -> {
          Map<String, Long> bytes = new LinkedHashMap<>();
          String base = fileName(row.name());
          try {
            Path k = out.resolve(base + ".keras");
            KerasModels.save(model, k);
            bytes.put(k.getFileName().toString(), Files.size(k));
            for (TfliteFlavour f : TfliteFlavour.values()) {
              Path t = out.resolve(base + "_" + f.name().toLowerCase(Locale.ROOT) + ".tflite");
              TfliteExport.write(model, t, f);
              bytes.put(t.getFileName().toString(), Files.size(t));
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          results.add(new Result(row, bytes));
        });
    return results;
  }

  /** "dense", "pruned_50" for "50 %", "pruned_2of4" for "2:4". */
  static String fileName(String row) {
    return row.equals("dense") ? row : "pruned_" + row.replace(" %", "").replace(":", "of").replace(' ', '_');
  }

  /** Adam at 0.002 on sparse labels, from logits unless the model ends in a softmax (Keras' classifier does). */
  static Compile compile(ModelSpec spec) {
    return Compile.of(Optimizer.adam(0.002f), Loss.sparseCategoricalCrossentropy(!endsInSoftmax(spec))).seed(0);
  }

  static boolean endsInSoftmax(ModelSpec spec) {
    Layer last = spec.outputs().get(0).layer();
    return last instanceof Dense d && d.activation() == Activation.SOFTMAX
        || last instanceof ActivationLayer a && a.activation() == Activation.SOFTMAX || last instanceof Softmax;
  }

  /** MNIST digits {@code (n, 28, 28)} in [0, 1] as {@code (n, 32, 32, 3)}: two pixels of zeros around, grey as RGB. */
  public static ReferenceTable.Data asRgb32(Idx.Split split, int limit) {
    int n = Math.min(limit, split.size());
    float[] src = split.images().floats();
    float[] x = new float[n * 32 * 32 * 3];
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < 28; r++) {
        for (int c = 0; c < 28; c++) {
          float v = src[(i * 28 + r) * 28 + c];
          int o = ((i * 32 + r + 2) * 32 + c + 2) * 3;
          x[o] = v;
          x[o + 1] = v;
          x[o + 2] = v;
        }
      }
    }
    int[] ids = java.util.Arrays.copyOf(split.labels().ints(), n);
    return new ReferenceTable.Data(List.of(HostArray.of(x, n, 32, 32, 3)), HostArray.ofLabels(ids), ids);
  }

  public static void main(String[] args) throws IOException {
    List<String> a = List.of(args);
    Path out = Path.of(option(a, "--out", Path.of("target", "keras-mobilenetv2").toString()));
    int trainSize = ReferenceTable.intOption(a, "--train", 4000);
    int testSize = ReferenceTable.intOption(a, "--test", 1000);
    ReferenceTable.Budget budget = new ReferenceTable.Budget(ReferenceTable.intOption(a, "--epochs", 2),
        ReferenceTable.intOption(a, "--fine-tune", 1), ReferenceTable.intOption(a, "--batch", 64));
    Path model;
    if (a.contains("--model")) {
      model = Path.of(option(a, "--model", ""));
    } else {
      Files.createDirectories(out);
      model = out.resolve("mobilenetv2_0.35_32px.keras");
      ModelSpec architecture = FashionReference.mobileNetV2(0.35, 32, 10, 2);
      try (Model m = architecture.compile(compile(architecture))) {
        KerasModels.save(m, model);
      }
      System.out.println("no --model: wrote the MobileNetV2 (alpha 0.35, 32x32x3, 10 classes) Keras builds to " + model);
    }
    ReferenceTable.Data train;
    ReferenceTable.Data test;
    if (a.contains("--images")) {
      Path dir = Path.of(option(a, "--images", ""));
      train = FashionReference.readFolder(dir.resolve("png").resolve("train"), 32, trainSize, 2);
      test = FashionReference.readFolder(dir.resolve("png").resolve("test"), 32, testSize, 2);
    } else {
      train = asRgb32(Idx.embedded("train"), trainSize);
      test = asRgb32(Idx.embedded("t10k"), testSize);
    }
    long t0 = System.nanoTime();
    List<Result> results = run(model, train, test, budget, out, true);
    System.out.println(ReferenceTable.format("MobileNetV2 from " + model.getFileName() + ": " + train.classIds().length
        + " training images, " + budget.denseEpochs() + " dense + " + budget.fineTuneEpochs() + " fine-tuning epoch(s)",
        results.stream().map(Result::row).toList()));
    for (Result r : results) {
      StringBuilder files = new StringBuilder(r.row().name() + ":");
      r.fileBytes().forEach((name, bytes) -> files.append(String.format(Locale.ROOT, " %s %,d B;", name, bytes)));
      System.out.println(files);
    }
    System.out.printf(Locale.ROOT, "files in %s; %.1f min%n", out, (System.nanoTime() - t0) / 60e9);
  }

  private static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    if (i < 0) {
      return fallback;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args.get(i + 1);
  }
}
