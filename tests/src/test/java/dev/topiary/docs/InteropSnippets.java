package dev.topiary.docs;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.ReadLimits;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.TensorFlowRuntime;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.custom.ScaledDense;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFile;
import dev.topiary.tflite.TfliteFlavour;
import dev.topiary.tflite.TfliteLowering;
import dev.topiary.dsl.config.ConfigRegistry;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.tflite.TfliteWeights;
import java.io.IOException;
import java.nio.file.Path;

/** Snippets of docs/guides/keras.md and docs/guides/tflite.md. */
final class InteropSnippets {
  private InteropSnippets() {}

  static void untrustedFiles(Path upload, Compile compile) throws IOException {
    // [snippet:ReadBudget]
    ReadLimits.setBudget(512L << 20);                     // every read in this JVM: at most 512 MiB
    KerasModel keras = ReadLimits.withBudget(64L << 20,   // this thread, this read: 64 MiB
        () -> KerasModels.read(upload));                  // too large, a zip bomb: KerasFileException
    // [end:ReadBudget]
  }

  static void keras(Dataset train, Compile compile) throws IOException {
    // [snippet:KerasRoundTrip]
    KerasModel keras = KerasModels.read(Path.of("mnist_cnn.keras"));      // or .h5: told apart by content
    ModelSpec pruned = keras.spec().prunedWith(PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 110, 3, 10)));
    try (Model model = keras.compile(pruned, Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)))) {
      model.fit(train, Fit.ofEpochs(2).batchSize(128));                      // fine-tune from Keras' weights
      try (Model small = model.strip()) {
        KerasModels.save(small, Path.of("pruned.keras"));                  // .keras or .h5, by the name
      }
    }
    Model asIs = KerasModels.load(Path.of("mnist_cnn.keras"), compile);   // read + compile + weights
    // [end:KerasRoundTrip]
    asIs.close();
  }

  static void startUp(Compile compile) throws IOException {
    // [snippet:KerasStartUp]
    TensorFlowRuntime.preload();                                     // TF's native library loads meanwhile
    KerasModel keras = KerasModels.read(Path.of("mnist_cnn.keras"));
    ModelSpec pruned = keras.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 100)));
    try (Model model = keras.compile(pruned, compile)) {             // waits for TF only if still loading
      // ...
    }
    // [end:KerasStartUp]
  }

  static void tflite(Model model) throws IOException {
    // [snippet:TfliteExport]
    TfliteExport.write(model, Path.of("mnist.tflite"), TfliteFlavour.SPARSE_INT8);   // stripped inside
    byte[] bytes = TfliteExport.bytes(model, TfliteFlavour.INT8);
    TfliteFile file = TfliteFile.read(Path.of("mnist.tflite"));                      // parsed back, bounds-checked
    model.setWeights(TfliteWeights.read(file, model.spec()));                        // densified, dequantised
    // [end:TfliteExport]
  }

  static void kerasForm() {
    // [snippet:KerasForm]
    ConfigRegistry.registerLayer(ScaledDense.TYPE.with(KerasForm.class,
        KerasForm.of("my_layers>ScaledDense", "units")  // @register_keras_serializable(package="my_layers")
            .withConstant("use_bias", true)               // a Keras option supported at one value: checked, written
            .ignoring("seed")));                          // read and dropped: it does not change the outputs
    // [end:KerasForm]
  }

  static void lowering(float[] kernelOutIn, int units, int in) {
    // [snippet:TfliteLowering]
    TfliteLowering<ScaledDense> lowering = (layer, ctx) -> {
      int w = ctx.fullyConnectedKernel(ctx.variableName("kernel"), kernelOutIn, units, in);
      int scale = ctx.constant(ctx.variableName("scale"), ctx.weight("scale").floats(), units);
      ctx.output(ctx.mul(ctx.fullyConnected(ctx.inputs().get(0), w, -1), scale));
    };
    ConfigRegistry.registerLayer(LayerType.of("ScaledDense", ScaledDense.class, s -> ScaledDense.of(s.getInt("units")))
        .with(TfliteLowering.class, lowering));
    // [end:TfliteLowering]
  }
}
