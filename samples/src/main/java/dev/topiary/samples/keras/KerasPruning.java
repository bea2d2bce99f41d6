package dev.topiary.samples.keras;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import dev.topiary.ops.Measurements;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.mnist.MnistPruning;
import dev.topiary.samples.mnist.ResultsTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pretrained Keras model pruned in Java and handed back: the tutorial CNN trained by Keras
 * ({@code samples/tools/make_pretrained_cnn.py}) is read from its {@code .keras} file, evaluated as is,
 * fine-tuned with PolynomialDecay pruning to 0.8 on the embedded MNIST, stripped, and written as a
 * {@code .keras} file (Keras 3 opens it), a SavedModel and the compact sparse format.
 *
 * <p>Options: {@code --model FILE.keras|.h5} (default: the embedded pretrained CNN), {@code --out DIR}
 * (default {@code target/keras-pruning}), {@code --target 0.8}, {@code --json FILE}, {@code --quiet}.
 */
public final class KerasPruning {
  private static final String EMBEDDED = "mnist_cnn_pretrained.keras";

  private KerasPruning() {}

  public static void main(String[] args) throws Exception {
    Path modelFile = null;
    Path out = Path.of("target", "keras-pruning");
    Path json = null;
    double target = 0.8;
    boolean quiet = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--model" -> modelFile = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--target", "--targets" -> target = Double.parseDouble(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        case "--quiet" -> quiet = true;
        default -> throw new IllegalArgumentException("unknown option '" + args[i]
            + "'; options: [--model FILE] [--out DIR] [--target 0.8] [--json FILE] [--quiet]");
      }
    }
    Files.createDirectories(out);
    if (modelFile == null) {
      modelFile = out.resolve(EMBEDDED);
      try (InputStream in = KerasPruning.class.getResourceAsStream(EMBEDDED)) {
        Files.copy(in, modelFile, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    KerasModel keras = KerasModels.read(modelFile);
    System.out.printf("Keras model %s (Keras %s, %s): %s%n", modelFile, keras.kerasVersion(), keras.format(),
        keras.spec().layerNames());
    System.out.printf("MNIST: %d training / %d test examples (embedded subset)%n", train.size(), test.size());

    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY)
        .seed(42);
    ProgressSink progress = quiet ? ProgressSink.silent() : ProgressSink.console();
    List<MnistPruning.Row> rows = new ArrayList<>();
    try (Model dense = keras.compile(compile)) {
      double accuracy = dense.evaluate(test.dataset()).get("accuracy");
      rows.add(MnistPruning.row("Keras pretrained", "dense", 0, accuracy, Map.of(), dense, test, 0, 0));
    }
    int batch = 128;
    int epochs = 2;
    int frequency = 10;
    int kept = train.size() - (int) (train.size() * 0.1);
    long steps = (long) ((kept + batch - 1) / batch) * epochs;
    long end = (steps - 1) / frequency * frequency; // the last mask update lands on the target
    ModelSpec pruned = keras.spec().prunedWith(PruningSpec.of(PolynomialDecay.of(0.5, target, 0, end, 3, frequency)));
    try (Model model = keras.compile(pruned, compile)) {
      long t0 = System.nanoTime();
      model.fit(train.dataset(), Fit.ofEpochs(epochs).batchSize(batch).validationSplit(0.1).progress(progress));
      double seconds = (System.nanoTime() - t0) / 1e9;
      double accuracy = model.evaluate(test.dataset()).get("accuracy");
      try (Model stripped = model.strip()) {
        Map<String, HostArray> weights = stripped.weights();
        Map<String, Double> sparsity = new LinkedHashMap<>();
        for (String name : model.sparsity().keySet()) {
          sparsity.put(name, Measurements.sparsity(weights.get(name).floats()));
        }
        rows.add(MnistPruning.row("pruned " + target, MnistPruning.PER_LAYER, target, accuracy, sparsity, stripped, test, seconds,
            rows.get(0).gzipBytes()));
        write(stripped, out);
      }
    }
    System.out.println();
    System.out.print(ResultsTable.format(rows));
    if (json != null) {
      Files.writeString(json, ResultsTable.json(List.of(rows), 42));
      System.out.println("wrote " + json);
    }
  }

  /** The pruned model as Keras 3 and legacy Keras files, a SavedModel and the compact sparse format. */
  private static void write(Model stripped, Path out) throws IOException {
    Path keras = out.resolve("mnist_cnn_pruned.keras");
    Path h5 = out.resolve("mnist_cnn_pruned.h5");
    Path savedModel = out.resolve("mnist_cnn_pruned_savedmodel");
    Path compact = out.resolve("mnist_cnn_pruned.tpsw");
    KerasModels.save(stripped, keras);
    KerasModels.save(stripped, h5);
    if (Files.exists(savedModel)) {
      dev.topiary.dsl.export.AtomicFiles.deleteRecursively(savedModel);
    }
    stripped.exportSavedModel(savedModel);
    SparseWeights.write(compact, stripped.weights(), SparseWeights.Encoding.FLOAT32);
    System.out.printf("%nwrote %s (%,d B), %s (%,d B), SavedModel %s, compact weights %s (%,d B)%n",
        keras.toAbsolutePath(), Files.size(keras), h5.getFileName(), Files.size(h5), savedModel.getFileName(),
        compact.getFileName(), Files.size(compact));
  }
}
