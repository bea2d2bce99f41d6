package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Fit;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Load -> save -> load keeps the config and the weights exactly, in both formats. With
 * {@code -Dtopiary.keras.dir=DIR} the written files go to DIR with {@code NAME.json} (inputs and
 * Java's outputs) for {@code dsl/keras/tools/check_keras.py}, which opens them in Keras 3.
 */
class KerasRoundTripTest {
  @TempDir
  Path tmp;

  static Stream<Arguments> fixtures() {
    return Fixtures.all().stream().flatMap(f -> Stream.of(Arguments.of(f, "keras"), Arguments.of(f, "h5")));
  }

  private Path outDir() throws Exception {
    String dir = System.getProperty("topiary.keras.dir");
    if (dir == null || dir.isBlank()) {
      return tmp;
    }
    return Files.createDirectories(Path.of(dir));
  }

  @ParameterizedTest(name = "{0}.{1}")
  @MethodSource("fixtures")
  void savesWhatItLoads(String fixture, String format) throws Exception {
    KerasModel first = KerasModels.read(Fixtures.file(fixture + "." + format, tmp));
    String base = fixture.substring(fixture.indexOf('/') + 1) + "_from_" + format;
    Path out = outDir();
    for (String written : List.of("keras", "h5")) {
      Path file = out.resolve(base + "." + written);
      KerasModels.save(first.spec(), first.weights(), file);
      KerasModel second = KerasModels.read(file);
      assertThat(ModelConfig.toJson(second.spec())).isEqualTo(ModelConfig.toJson(first.spec()));
      assertThat(second.weights().keySet()).isEqualTo(first.weights().keySet());
      first.weights().forEach((name, value) -> assertThat(second.weights().get(name)).as(name).isEqualTo(value));
    }
    JsonNode expected = Fixtures.json(fixture + ".json");
    writeExpectations(out, base, first, Fixtures.arrays(expected.get("inputs")));
  }

  /** NAME.json next to NAME.keras/NAME.h5: the inputs and what Java predicts for them. */
  static void writeExpectations(Path out, String base, KerasModel model, List<HostArray> inputs) throws Exception {
    List<HostArray> outputs;
    try (Model m = model.compile(Fixtures.COMPILE)) {
      outputs = m.predict(inputs, 16);
    }
    writeExpectations(out, base, inputs, outputs);
  }

  static void writeExpectations(Path out, String base, List<HostArray> inputs, List<HostArray> outputs)
      throws Exception {
    ObjectNode json = Fixtures.JSON.createObjectNode();
    json.set("inputs", arrays(inputs));
    json.set("outputs", arrays(outputs));
    json.putArray("files").add(base + ".keras").add(base + ".h5");
    Files.write(out.resolve(base + ".json"), Fixtures.JSON.writeValueAsBytes(json));
  }

  private static ArrayNode arrays(List<HostArray> arrays) {
    ArrayNode list = Fixtures.JSON.createArrayNode();
    for (HostArray a : arrays) {
      ObjectNode o = list.addObject();
      ArrayNode shape = o.putArray("shape");
      for (long d : a.shape()) {
        shape.add(d);
      }
      ArrayNode values = o.putArray("values");
      for (float v : a.floats()) {
        values.add(v);
      }
    }
    return list;
  }

  /** Scalar (shape ()) weights: Attention's scale and concat score weight, written and read back. */
  @Test
  void scalarWeightsRoundTrip() throws Exception {
    dev.topiary.dsl.Node q = dev.topiary.dsl.Input.named("query", 3, 4);
    dev.topiary.dsl.Node v = dev.topiary.dsl.Input.named("value", 5, 4);
    dev.topiary.dsl.Node dot = dev.topiary.dsl.layers.attention.Attention.of().useScale(true).apply(q, v);
    dev.topiary.dsl.Node concat = dev.topiary.dsl.layers.attention.Attention.of()
        .scoreMode(dev.topiary.dsl.layers.attention.Attention.ScoreMode.CONCAT).useScale(true).apply(q, v);
    ModelSpec spec = dev.topiary.dsl.Functional.of(List.of(q, v),
        List.of(dev.topiary.dsl.layers.merging.Add.of().apply(dot, concat)));
    Random random = new Random(5);
    float[] a = new float[2 * 3 * 4];
    float[] b = new float[2 * 5 * 4];
    for (int i = 0; i < a.length; i++) {
      a[i] = random.nextFloat() - 0.5f;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = random.nextFloat() - 0.5f;
    }
    List<HostArray> inputs = List.of(HostArray.of(a, 2, 3, 4), HostArray.of(b, 2, 5, 4));
    var mse = dev.topiary.dsl.training.Compile.of(dev.topiary.dsl.training.Optimizer.adam(),
        dev.topiary.dsl.training.Loss.meanSquaredError());
    try (Model model = spec.compile(mse)) {
      Map<String, HostArray> weights = new java.util.LinkedHashMap<>(model.weights());
      // Values other than the initial ones, so that reading them back is seen.
      weights.replaceAll((name, w) -> {
        float[] values = w.floats();
        for (int i = 0; i < values.length; i++) {
          values[i] = 0.75f + i;
        }
        return HostArray.ofFloats(values, w.shape());
      });
      model.setWeights(weights);
      List<HostArray> expected = model.predict(inputs, 2);
      for (String format : List.of("keras", "h5")) {
        Path file = tmp.resolve("scalars." + format);
        KerasModels.save(model, file);
        KerasModel back = KerasModels.read(file);
        for (var e : weights.entrySet()) {
          assertThat(back.weights().get(e.getKey()).floats()).as(format + " " + e.getKey())
              .containsExactly(e.getValue().floats());
        }
        try (Model loaded = back.compile(mse)) {
          assertThat(loaded.predict(inputs, 2).get(0)).as(format).isEqualTo(expected.get(0));
        }
      }
    }
  }

  @Test
  void prunedAndStrippedModelKeepsItsZeros() throws Exception {
    KerasModel keras = KerasModels.read(Fixtures.file("keras/mnist_cnn.keras", tmp));
    ModelSpec pruned = keras.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0)), PruningPolicy.all());
    Random random = new Random(3);
    float[] x = new float[64 * 28 * 28];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    int[] y = new int[64];
    for (int i = 0; i < y.length; i++) {
      y[i] = random.nextInt(10);
    }
    HostArray images = HostArray.of(x, 64, 28, 28);
    Path out = outDir();
    try (Model model = keras.compile(pruned, Fixtures.COMPILE_CLASSES)) {
      model.fit(images, HostArray.ofLabels(y, 64), Fit.ofEpochs(1).batchSize(32));
      try (Model stripped = model.strip()) {
        Map<String, HostArray> weights = stripped.weights();
        double sparsity = zeros(weights.get("dense_kernel"));
        assertThat(sparsity).isBetween(0.79, 0.81);
        List<HostArray> predicted = stripped.predict(List.of(images.slice(0, 4)), 16);
        for (String format : List.of("keras", "h5")) {
          Path file = out.resolve("mnist_cnn_pruned." + format);
          KerasModels.save(stripped, file);
          KerasModel back = KerasModels.read(file);
          assertThat(back.weights().get("dense_kernel")).isEqualTo(weights.get("dense_kernel"));
          assertThat(zeros(back.weights().get("conv2d_kernel"))).isEqualTo(zeros(weights.get("conv2d_kernel")));
        }
        writeExpectations(out, "mnist_cnn_pruned", List.of(images.slice(0, 4)), predicted);
      }
    }
  }

  static double zeros(HostArray a) {
    float[] v = a.floats();
    int z = 0;
    for (float f : v) {
      z += f == 0f ? 1 : 0;
    }
    return z / (double) v.length;
  }
}
