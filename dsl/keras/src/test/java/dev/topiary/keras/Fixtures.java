package dev.topiary.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The Keras-made fixtures (test resources) and their inputs and Keras' own outputs. */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Models saved by Keras 3.15.1 (copied from the shared data; README there). */
  static final List<String> MODELS = List.of("mnist_cnn", "mlp", "text_lstm", "two_inputs", "conv1d_gap");
  static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.meanSquaredError());
  static final Compile COMPILE_CLASSES = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true));

  private Fixtures() {}

  /** Every fixture directory/name pair: the shared five and one small model per mapped layer type. */
  static List<String> all() {
    List<String> out = new ArrayList<>();
    for (String m : MODELS) {
      out.add("keras/" + m);
    }
    JsonNode index = json("keras-layers/layers-index.json");
    for (JsonNode m : index.get("models")) {
      out.add("keras-layers/" + m.asText());
    }
    return out;
  }

  static JsonNode json(String resource) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The resource copied to a file (jHDF and ZipFile read files). */
  static Path file(String resource, Path dir) throws IOException {
    Path out = dir.resolve(resource.replace('/', '_'));
    try (InputStream in = Fixtures.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return out;
  }

  static List<HostArray> arrays(JsonNode list) {
    List<HostArray> out = new ArrayList<>();
    for (JsonNode a : list) {
      out.add(array(a));
    }
    return out;
  }

  static HostArray array(JsonNode nested) {
    List<Long> shape = new ArrayList<>();
    JsonNode n = nested;
    while (n.isArray()) {
      shape.add((long) n.size());
      n = n.get(0);
    }
    List<Float> values = new ArrayList<>();
    flatten(nested, values);
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = values.get(i);
    }
    return HostArray.of(v, shape.stream().mapToLong(Long::longValue).toArray());
  }

  private static void flatten(JsonNode n, List<Float> out) {
    if (n.isArray()) {
      n.forEach(e -> flatten(e, out));
    } else {
      out.add(n.floatValue());
    }
  }

  static double maxAbsDiff(HostArray a, HostArray b) {
    float[] x = a.floats();
    float[] y = b.floats();
    if (x.length != y.length) {
      throw new AssertionError("sizes differ: " + x.length + " vs " + y.length);
    }
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs(x[i] - y[i]));
    }
    return max;
  }
}
