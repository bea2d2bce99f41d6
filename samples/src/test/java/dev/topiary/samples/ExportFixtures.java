package dev.topiary.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.ProgressSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;

/**
 * Exports sample models as SavedModels after a short training run on random data, checks them
 * (standard fields, no MaxPoolV2 or training ops, reload equals {@code predict} within 1e-6), and —
 * when the system property {@code topiary.export.dir} names a directory — leaves them there with
 * {@code <name>.json} next to each, holding the inputs and the outputs {@code predict} gave, for
 * {@code dsl/tflite/tools/check_export.py}.
 */
public final class ExportFixtures {
  /** Where the fixtures stay, or null (a temporary directory of the test). */
  public static @Nullable Path keepDir() {
    String dir = System.getProperty("topiary.export.dir");
    return dir == null || dir.isBlank() ? null : Path.of(dir);
  }

  private ExportFixtures() {}

  /** Random inputs of {@code shape} (without batch) for {@code n} examples, integers below {@code bound} if > 0. */
  public static HostArray inputs(int n, long seed, int bound, long... shape) {
    Random r = new Random(seed);
    long size = n;
    for (long d : shape) {
      size *= d;
    }
    float[] values = new float[(int) size];
    for (int i = 0; i < values.length; i++) {
      values[i] = bound > 0 ? r.nextInt(bound) : r.nextFloat();
    }
    long[] full = new long[shape.length + 1];
    full[0] = n;
    System.arraycopy(shape, 0, full, 1, shape.length);
    return HostArray.of(values, full);
  }

  /** {@code n} random class labels below {@code classes}. */
  public static HostArray labels(int n, long seed, int classes) {
    Random r = new Random(seed);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(classes);
    }
    return HostArray.ofLabels(labels);
  }

  /**
   * Trains {@code spec} for two epochs on {@code x, y}, strips it if pruned, exports it to
   * {@code root/name}, checks the export and writes {@code root/name.json}.
   */
  public static void export(Path root, String name, ModelSpec spec, Compile compile, HostArray x, HostArray y)
      throws IOException {
    try (Model trained = spec.compile(compile)) {
      trained.fit(x, y, Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent()));
      Model model = spec.prunedLayers().isEmpty() ? trained : trained.strip();
      try {
        float[] expected = model.predict(x).floats();
        Path dir = root.resolve(name);
        model.exportSavedModel(dir);
        String input = model.spec().inputName(model.spec().inputs().get(0));
        String output = model.spec().outputName(0);
        check(dir, input, output, x, expected);
        long[] outShape = model.predict(x).shape();
        String json = "{\"inputs\": {\"" + input + "\": " + array(x.shape(), x.floats()) + "},\n"
            + " \"outputs\": {\"" + output + "\": " + array(outShape, expected) + "}}\n";
        Files.writeString(root.resolve(name + ".json"), json, StandardCharsets.UTF_8);
      } finally {
        if (model != trained) {
          model.close();
        }
      }
    }
  }

  static String array(long[] shape, float[] values) {
    StringBuilder b = new StringBuilder("{\"shape\": ").append(Arrays.toString(shape)).append(", \"values\": [");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ", ").append(values[i]);
    }
    return b.append("]}").toString();
  }

  private static void check(Path dir, String input, String output, HostArray x, float[] expected) throws IOException {
    SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
    assertThat(saved.getSavedModelSchemaVersion()).isEqualTo(1);
    MetaGraphDef meta = saved.getMetaGraphs(0);
    assertThat(meta.getSignatureDefOrThrow("serving_default").getMethodName()).isEqualTo("tensorflow/serving/predict");
    assertThat(meta.getCollectionDefOrThrow("variables").getBytesList().getValueCount()).isPositive();
    for (NodeDef node : meta.getGraphDef().getNodeList()) {
      assertThat(node.getOp()).as(node.getName()).isNotIn("MaxPoolV2", "ApplyAdam", "AssignAdd");
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
        Tensor in = x.toTensor();
        Result result = bundle.function("serving_default").call(Map.of(input, in))) {
      float[] actual = HostArray.fromTensor((TFloat32) result.get(output).orElseThrow()).floats();
      assertThat(actual).hasSameSizeAs(expected);
      for (int i = 0; i < actual.length; i++) {
        assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
  }
}
