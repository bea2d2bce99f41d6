package dev.topiary.dsl.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.LayerExamples;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

/**
 * Every built-in layer type exports as a standard SavedModel that reloads with {@code predict}'s
 * outputs. With {@code -Dtopiary.export.dir=DIR} the exports stay in DIR as {@code layer_<Type>}
 * with {@code layer_<Type>.json} (inputs and outputs) for {@code dsl/tflite/tools/check_export.py}, which tells
 * which layers the TFLite converter takes with builtin ops only.
 */
class LayerExportTest {
  private static final Compile MSE = Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()).seed(1);

  static Stream<LayerExamples.Example> examples() {
    return LayerExamples.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void exports(LayerExamples.Example example, @TempDir Path temp) throws Exception {
    String keep = System.getProperty("topiary.export.dir");
    Path root = keep == null || keep.isBlank() ? temp : Path.of(keep);
    String name = "layer_" + example.type();
    ModelSpec spec = example.spec();
    try (Model model = spec.compile(MSE)) {
      List<HostArray> expected = model.predict(example.inputs(), 128);
      Path dir = root.resolve(name);
      model.exportSavedModel(dir);
      List<String> inputs = new ArrayList<>();
      spec.inputs().forEach(in -> inputs.add(spec.inputName(in)));
      List<String> outputs = new ArrayList<>();
      for (int i = 0; i < spec.outputs().size(); i++) {
        outputs.add(spec.outputName(i));
      }
      StandardSavedModelTest.checkStandard(dir, inputs, outputs, model.weights().size());
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
        for (int i = 0; i < inputs.size(); i++) {
          feeds.put(inputs.get(i), example.inputs().get(i).toTensor());
        }
        try (Result result = bundle.function("serving_default").call(feeds)) {
          for (int i = 0; i < outputs.size(); i++) {
            float[] actual = HostArray.fromTensor((TFloat32) result.get(outputs.get(i)).orElseThrow()).floats();
            float[] want = expected.get(i).floats();
            assertThat(actual).hasSameSizeAs(want);
            for (int j = 0; j < actual.length; j++) {
              assertThat(actual[j]).isCloseTo(want[j], org.assertj.core.data.Offset.offset(1e-6f));
            }
          }
        }
      } finally {
        feeds.values().forEach(Tensor::close);
      }
      StringBuilder json = new StringBuilder("{\"inputs\": {");
      for (int i = 0; i < inputs.size(); i++) {
        json.append(i == 0 ? "" : ", ").append('"').append(inputs.get(i)).append("\": ")
            .append(array(example.inputs().get(i)));
      }
      json.append("},\n \"outputs\": {");
      for (int i = 0; i < outputs.size(); i++) {
        json.append(i == 0 ? "" : ", ").append('"').append(outputs.get(i)).append("\": ").append(array(expected.get(i)));
      }
      Files.writeString(root.resolve(name + ".json"), json.append("}}\n"), StandardCharsets.UTF_8);
    }
  }

  private static String array(HostArray a) {
    float[] values = a.floats();
    StringBuilder b = new StringBuilder("{\"shape\": ").append(Arrays.toString(a.shape())).append(", \"values\": [");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ", ").append(values[i]);
    }
    return b.append("]}").toString();
  }
}
