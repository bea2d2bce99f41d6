package dev.topiary.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFile;
import dev.topiary.tflite.TfliteFlavour;
import dev.topiary.tflite.TfliteWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Sample models written as {@code .tflite} after a short training run on random data, in every flavour:
 * each parses back and its weights, loaded into the model, reproduce {@code predict} (float within 1e-5,
 * int8 within the quantisation error). With {@code -Dtopiary.tflite.dir=DIR} the files stay there, each
 * with {@code <file>.json} (inputs, outputs) for {@code dsl/tflite/tools/check_tflite.py}.
 */
public final class TfliteFixtures {
  public static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(3);

  private TfliteFixtures() {}

  /** Where the files stay, or {@code temp}. */
  public static Path root(Path temp) throws java.io.IOException {
    String keep = System.getProperty("topiary.tflite.dir");
    Path root = keep == null || keep.isBlank() ? temp : Path.of(keep);
    Files.createDirectories(root);
    return root;
  }

  /** Trains {@code spec} (28x28 inputs, 10 classes) briefly and writes and checks its four files. */
  public static void write(Path root, String name, ModelSpec spec) throws Exception {
    write(root, name, spec, ExportFixtures.inputs(32, 1, 0, 28, 28), ExportFixtures.labels(32, 2, 10), COMPILE);
  }

  /** Trains {@code spec} briefly on {@code x, y} with {@code compile} and writes and checks its four files. */
  public static void write(Path root, String name, ModelSpec spec, HostArray x, HostArray y, Compile compile)
      throws Exception {
    try (Model model = spec.compile(compile); Model copy = spec.withoutPruning().compile(compile)) {
      model.fit(x, y, Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent()));
      float[] expected = model.predict(x).floats();
      for (TfliteFlavour flavour : TfliteFlavour.values()) {
        byte[] bytes = TfliteExport.bytes(model, flavour);
        TfliteFile f = TfliteFile.parse(bytes, name);
        copy.setWeights(TfliteWeights.read(f, copy.spec()));
        HostArray actual = copy.predict(x);
        boolean int8 = f.tensors().stream().anyMatch(TfliteFile.Tensor::isInt8);
        float[] a = actual.floats();
        for (int i = 0; i < a.length; i++) {
          assertThat(a[i]).as("%s %s [%d]", name, flavour, i)
              .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(int8 ? 0.05f + 0.05f * Math.abs(expected[i]) : 1e-5f));
        }
        String file = name + "_" + flavour.name().toLowerCase(Locale.ROOT) + ".tflite";
        Files.write(root.resolve(file), bytes);
        String input = spec.inputName(spec.inputs().get(0));
        Files.writeString(root.resolve(file + ".json"), "{\"inputs\": {\"" + input + "\": "
            + ExportFixtures.array(x.shape(), x.floats()) + "},\n \"outputs\": {\"" + spec.outputName(0) + "\": "
            + ExportFixtures.array(actual.shape(), a) + "}}\n");
      }
    }
  }
}
