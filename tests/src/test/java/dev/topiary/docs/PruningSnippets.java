package dev.topiary.docs;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.dsl.saving.Saving;
import java.io.IOException;
import java.nio.file.Path;

/** Snippets of docs/guides/pruning.md, docs/guides/structured-sparsity.md and docs/guides/saving.md. */
final class PruningSnippets {
  private PruningSnippets() {}

  static void tutorialModel(HostArray x, HostArray y) {
    // [snippet:PruneTutorialCnn]
    ModelSpec spec = Sequential.of(Input.of(28, 28),
        Reshape.of(28, 28, 1),
        Conv2D.of(12, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Flatten.of(),
        Dense.of(10).prunable(PolynomialDecay.of(0.5, 0.8, 0, 110).withFrequency(10)));

    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
            .metrics(Metric.ACCURACY).seed(42))) {
      model.fit(x, y, Fit.ofEpochs(2).batchSize(128).validationSplit(0.1));   // x: [n, 28, 28], y: class ids
      System.out.println(model.sparsity());          // measured sparsity per pruned weight
      try (Model small = model.strip()) {            // plain layers, zeros in the weights
        System.out.println(small.summary());
      }
    }
    // [end:PruneTutorialCnn]
  }

  static ModelSpec wholeModel(ModelSpec spec) {
    // [snippet:PruneWholeModel]
    PruningSpec pruning = PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 100));
    ModelSpec everyLayer = spec.prunedWith(pruning);                              // every prunable weight
    ModelSpec denseOnly = spec.prunedWith(pruning, PruningPolicy.only(Dense.class));
    ModelSpec inner = spec.prunedWith(pruning, PruningPolicy.exceptFirstAndLast());
    ModelSpec lstms = spec.prunedWith(pruning, PruningPolicy.only(LSTM.class));   // LSTMs, not GRUs
    // [end:PruneWholeModel]
    return denseOnly;
  }

  static HostMask hostMask(float[] values) {
    // [snippet:HostMask]
    HostMask mask = MaskStrategy.magnitude().host(values, new long[] {64, 10}, 0.8f);
    float threshold = mask.threshold();   // the smallest magnitude kept
    // [end:HostMask]
    return mask;
  }

  static void structured() {
    PolynomialDecay schedule = PolynomialDecay.of(0.5, 0.8, 0, 110).withFrequency(10);
    // [snippet:StructuredSparsity]
    Dense blocks = Dense.of(256).prunable(PruningSpec.of(schedule).withBlock(1, 4, BlockPooling.AVG));
    Dense forTflite = Dense.of(256).prunable(PruningSpec.of(schedule).withBlock(4, 1, BlockPooling.AVG));
    Dense twoFour = Dense.of(256).prunable(PruningSpec.mByN(2, 4, schedule));   // 2 of every 4 inputs kept
    // [end:StructuredSparsity]
  }

  static void oneWayInAndOut(Model model, ModelSpec spec, Compile compile) throws IOException {
    // [snippet:SavingAnyFormat]
    Saving.save(model, Path.of("mnist"));                       // no ending: a Topiary model directory
    Saving.save(model, Path.of("mnist.keras"));                 // .keras, .h5, .tflite, .tpsw: by the name
    Saving.save(model, Path.of("mnist-int8.tflite"), "tflite:int8");
    Saving.save(model, Path.of("serving"), "savedmodel");       // TF Serving, TFLite's converter
    try (Model back = Saving.load(Path.of("mnist.keras"), compile);   // the format from the content
         Model fresh = spec.compile(compile)) {
      Saving.loadWeights(fresh, Path.of("mnist-int8.tflite"));       // weights-only formats into a model
    }
    // [end:SavingAnyFormat]
  }

  static void saving(Model model, ModelSpec spec, Compile compile, HostArray x, HostArray y) throws IOException {
    // [snippet:CheckpointAndResume]
    Fit fit = Fit.ofEpochs(10).batchSize(128).checkpoints(Path.of("run.tpck"), 100);   // every 100 steps, and each epoch end
    model.fit(x, y, fit);

    // later, in a new JVM, after a crash: the same definition, then pick up where it stopped
    try (Model again = spec.compile(compile)) {
      Checkpoint checkpoint = Checkpoint.read(Path.of("run.tpck"));
      again.restore(checkpoint.snapshot());
      again.fit(x, y, fit.resumeFrom(checkpoint));   // ends bit for bit where an uninterrupted fit ends
    }
    // [end:CheckpointAndResume]
    // [snippet:SaveLoadExport]
    ModelFiles.save(model, Path.of("my-model"));                      // model.json + state.tpck + manifest.json
    try (Model loaded = ModelFiles.load(Path.of("my-model"), compile);
         Model stripped = loaded.strip()) {
      stripped.exportSavedModel(Path.of("export/my-model/1"));        // a SavedModel for TF Serving, Python, TFLite
      SparseWeights.write(Path.of("weights.tpsw"), stripped.weights(), SparseWeights.Encoding.INT8);
    }
    // [end:SaveLoadExport]
  }
}
