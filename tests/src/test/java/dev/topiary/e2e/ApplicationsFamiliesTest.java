package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFlavour;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipFile;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Keras Applications family of issue 26 (and a ViT-like encoder), end to end, on narrow copies that
 * Keras built and saved ({@code dsl/keras/tools/make_applications_fixtures.py}: each family's own graph,
 * layer for layer, with every width divided so the files stay small): read from {@code .keras} and
 * {@code .h5}, each predicts Keras' outputs; pruned as the reference's registry prunes, fine-tuned (batch
 * normalization in training mode) and stripped; written as {@code .tflite} (50 %, in every flavour:
 * float32, int8, sparse, sparse int8) whose interpreter outputs were committed; and run by
 * {@code SparseModel} at 50 % and 2:4. The full-size families are checked by
 * {@code KerasApplicationsCheck} (not in the default run).
 *
 * <p>{@code -Dtopiary.apps.tflite.dir=DIR} keeps the {@code .tflite} files with their inputs for
 * {@code dsl/tflite/tools/make_tflite_fixtures.py --family-fixtures DIR}, which runs TFLite's interpreter on
 * them and writes the {@code .expected.json} files committed next to the Keras files.
 * {@code -Dtopiary.apps.only=REGEX} runs only the families whose names match.
 */
class ApplicationsFamiliesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIR = "/applications/";
  /** Keras' own outputs against ours: float32 through up to 782 layers in another order of operations. */
  private static final double KERAS_TOLERANCE = 1e-4;
  /** TFLite's reference kernels, and SparseModel's own kernels, against TF Java on the same weights. */
  private static final double KERNEL_TOLERANCE = 1e-4;
  /**
   * TF Java (float weights) against the interpreter running the int8 flavours: TFLite's hybrid kernels
   * quantise the activations to int8 on the fly too (as TfliteInterpreterFixturesTest allows); measured at
   * most 0.0036 of the largest output (ResNet50V2), families without a weight of 1,024 elements stay float.
   */
  private static final double INT8_TOLERANCE = 0.02;
  private static final Compile COMPILE = Compile.of(Optimizer.adam(1e-3f), Loss.sparseCategoricalCrossentropy(true)).seed(0);
  /**
   * The Keras classes whose weights the reference's prune registry prunes, with how many kernels each has:
   * convolution and Dense kernels, the pointwise kernel of separable convolutions, the four projections of
   * attention. Depthwise convolutions, normalization, biases stay dense.
   */
  private static final Map<String, Integer> PRUNED_KERNELS = Map.of("Conv1D", 1, "Conv2D", 1, "Conv3D", 1,
      "Conv2DTranspose", 1, "Dense", 1, "SeparableConv1D", 1, "SeparableConv2D", 1, "MultiHeadAttention", 4);

  static Stream<String> families() throws IOException {
    List<String> names = new ArrayList<>();
    JSON.readTree(resource("apps-index.json")).get("models").forEach(n -> names.add(n.asText()));
    // -Dtopiary.apps.only=REGEX runs some families only (while working on one).
    String only = System.getProperty("topiary.apps.only", ".*");
    return names.stream().filter(n -> n.matches(only));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void readsTheLegacyH5AsTheKerasFile(String family, @TempDir Path temp) throws IOException {
    JsonNode expected = JSON.readTree(resource(family + ".json"));
    KerasModel h5 = KerasModels.read(gunzip(family + ".h5", temp));
    Map<String, HostArray> kerasWeights = KerasModels.read(gunzip(family + ".keras", temp)).weights();
    assertThat(h5.weights().keySet()).as("%s weights: .h5 against .keras", family).isEqualTo(kerasWeights.keySet());
    for (Map.Entry<String, HostArray> w : h5.weights().entrySet()) {
      assertThat(w.getValue().floats()).as("%s weight %s, .h5 against .keras", family, w.getKey())
          .containsExactly(kerasWeights.get(w.getKey()).floats());
    }
    try (Model model = h5.compile(COMPILE)) {
      close(model.predict(images(expected)), outputs(expected), KERAS_TOLERANCE, family + " from .h5");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void prunesWhatTheReferencePrunesFineTunesAndStrips(String family, @TempDir Path temp) throws IOException {
    Path keras = gunzip(family + ".keras", temp);
    KerasModel file = KerasModels.read(keras);
    ModelSpec pruned = file.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 1)));
    assertThat(pruned.prunedWeights()).as("%s: pruned kernels", family).hasSize(prunableKernels(keras));
    for (String name : pruned.prunedWeights().keySet()) {
      // (ConvNeXt's "depthwise" convolution is a Conv2D with groups: the registry prunes its kernel.)
      assertThat(name).as("%s: a pruned weight", family).endsWith("kernel").doesNotEndWith("depthwise_kernel");
    }
    JsonNode expected = JSON.readTree(resource(family + ".json"));
    HostArray images = images(expected);
    HostArray labels = HostArray.ofLabels(new int[] {3, 7});
    // SGD: every weight moves by its own gradient, so the last mask update sees no ties in magnitude (the
    // fixtures' bfloat16 values tie often, and Adam's first steps move tied weights alike).
    try (Model model = file.compile(pruned, Compile.of(Optimizer.sgd(1e-3f), Loss.sparseCategoricalCrossentropy(true)).seed(0))) {
      Map<String, HostArray> before = model.weights();
      model.fit(images, labels, Fit.ofEpochs(2).batchSize(2).progress(ProgressSink.silent()));
      Map<String, HostArray> after = model.weights();
      List<String> movingMeans = before.keySet().stream().filter(n -> n.endsWith("moving_mean")).toList();
      // Batch normalization trains in training mode: its moving statistics move toward the batch's.
      for (String n : movingMeans) {
        assertThat(after.get(n).floats()).as("%s %s after fine-tuning", family, n).isNotEqualTo(before.get(n).floats());
      }
      try (Model stripped = model.strip()) {
        Map<String, HostArray> weights = stripped.weights();
        for (String n : pruned.prunedWeights().keySet()) {
          float[] w = weights.get(n).floats();
          // The reference keeps max(round-half-even(n * 0.5), 1) weights (9 -> 4 kept, 5 zero), and every weight
          // tied with the threshold: fewer zeros only by kept weights of equal magnitude (the fixtures' bfloat16
          // values tie, and weights without gradient keep them).
          long kept = Math.max((long) Math.rint(w.length * 0.5), 1);
          assertThat(zeros(w)).as("%s %s zeros of %d", family, n, w.length)
              .isBetween((int) (w.length - kept - tiedMagnitudes(w)), (int) (w.length - kept));
        }
        for (Map.Entry<String, HostArray> w : weights.entrySet()) {
          if (!pruned.prunedWeights().containsKey(w.getKey()) && w.getKey().contains("kernel")) {
            assertThat(zeros(w.getValue().floats())).as("%s %s stays dense", family, w.getKey()).isZero();
          }
        }
        for (float v : stripped.predict(images).floats()) {
          assertThat(v).as("%s stripped outputs", family).isFinite();
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void readsTheKerasFilePredictsAsKerasExportsAndRunsInSparseModel(String family, @TempDir Path temp) throws IOException {
    KerasModel file = KerasModels.read(gunzip(family + ".keras", temp));
    JsonNode expected = JSON.readTree(resource(family + ".json"));
    HostArray images = images(expected);
    String keep = System.getProperty("topiary.apps.tflite.dir", "");
    try (Model model = file.compile(COMPILE)) {
      close(model.predict(images), outputs(expected), KERAS_TOLERANCE, family + " from .keras");
      for (String variant : List.of("50", "2of4")) {
        PruningSpec spec = variant.equals("50") ? PruningSpec.of(ConstantSparsity.of(0.5, 0))
            : PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0));
        // 2:4 groups kernels of [in, out] or [kh, kw, in, out] only (as the reference's m-by-n): attention's
        // rank-3 projections stay dense here.
        Set<String> prunable = new java.util.LinkedHashSet<>(file.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0)))
            .prunedWeights().keySet());
        prunable.removeIf(n -> !variant.equals("50") && file.weights().get(n).shape().length == 3);
        model.setWeights(masked(file.weights(), prunable, spec.strategy()));
        HostArray tf = model.predict(images);
        try (SparseModel sparse = SparseModel.of(model, SparseOptions.defaults().calibrate(false))) {
          close(sparse.predict(images), tf, KERNEL_TOLERANCE, family + " " + variant + " SparseModel batch 2");
          close(sparse.predict(List.of(images.slice(1, 2)), 1).get(0), tf.slice(1, 2), KERNEL_TOLERANCE,
              family + " " + variant + " SparseModel batch 1");
        }
        if (!variant.equals("50")) {
          continue;
        }
        for (TfliteFlavour flavour : TfliteFlavour.values()) {
          String name = family + "_50_" + flavour.name().toLowerCase(Locale.ROOT) + ".tflite";
          byte[] bytes = TfliteExport.bytes(model, flavour);
          if (!keep.isBlank()) { // writing the interpreter's inputs: its outputs are not there yet
            keepForInterpreter(Path.of(keep), name, bytes, model.spec(), images, tf);
            continue;
          }
          JsonNode interpreter = JSON.readTree(resource(name + ".expected.json"));
          assertThat(sha256(bytes)).as("%s as Java writes it today (regenerate the interpreter's outputs with"
              + " make_tflite_fixtures.py --family-fixtures after a deliberate change)", name)
              .isEqualTo(interpreter.get("tflite_sha256").asText());
          JsonNode out = interpreter.get("outputs").elements().next();
          boolean int8 = flavour == TfliteFlavour.INT8 || flavour == TfliteFlavour.SPARSE_INT8;
          close(tf, HostArray.of(floats(out.get("values")), longs(out.get("shape"))), int8 ? INT8_TOLERANCE
              : KERNEL_TOLERANCE, name + ": TF Java against TFLite's interpreter");
        }
      }
    }
  }

  /** The prunable weights masked in plain Java (exact on every CPU: the exported bytes depend on it). */
  private static Map<String, HostArray> masked(Map<String, HostArray> weights, Set<String> prunable, MaskStrategy strategy) {
    Map<String, HostArray> out = new LinkedHashMap<>(weights);
    for (String n : prunable) {
      HostArray w = weights.get(n);
      out.put(n, HostArray.of(strategy.host(w.floats(), w.shape(), 0.5f).apply(w.floats()), w.shape()));
    }
    return out;
  }

  private static void keepForInterpreter(Path dir, String name, byte[] bytes, ModelSpec spec, HostArray images,
      HostArray tf) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve(name), bytes);
    ObjectNode json = JSON.createObjectNode();
    ObjectNode input = json.putObject("inputs").putObject(spec.inputName(spec.inputs().get(0)));
    longs(input.putArray("shape"), images.shape());
    float[] v = images.floats();
    var values = input.putArray("values");
    for (float f : v) {
      values.add(f);
    }
    json.put("java_outputs_max", max(tf.floats()));
    var javaOut = json.putArray("java_outputs");
    for (float f : tf.floats()) {
      javaOut.add(f);
    }
    JSON.writeValue(dir.resolve(name + ".json").toFile(), json);
  }

  /** How many weights the reference prunes in this {@code .keras} file: counted from Keras' own config. */
  private static int prunableKernels(Path keras) throws IOException {
    try (ZipFile zip = new ZipFile(keras.toFile())) {
      JsonNode config = JSON.readTree(zip.getInputStream(zip.getEntry("config.json")));
      return count(config.get("config").get("layers"));
    }
  }

  private static int count(JsonNode layers) {
    int n = 0;
    for (JsonNode layer : layers) {
      n += PRUNED_KERNELS.getOrDefault(layer.get("class_name").asText(), 0);
      JsonNode nested = layer.get("config").get("layers");
      if (nested != null) {
        n += count(nested);
      }
    }
    return n;
  }

  /**
   * The images the fixture script computed: value i (flat, row-major) is {@code ((1103515245 i + 12345) mod
   * 2^31) >> 23}, a pixel in [0, 255]; the ViT encoder's are {@code v / 64 - 2}.
   */
  static HostArray images(JsonNode expected) {
    long[] shape = longs(expected.get("input_shape"));
    float[] x = new float[Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3])];
    boolean centred = expected.get("vit_scale").asBoolean();
    for (int i = 0; i < x.length; i++) {
      float v = (float) (((1103515245L * i + 12345L) & 0x7FFFFFFFL) >> 23);
      x[i] = centred ? v / 64 - 2 : v;
    }
    return HostArray.of(x, shape);
  }

  private static HostArray outputs(JsonNode expected) {
    JsonNode rows = expected.get("outputs").get(0);
    float[] y = new float[rows.size() * rows.get(0).size()];
    int k = 0;
    for (JsonNode row : rows) {
      for (JsonNode v : row) {
        y[k++] = (float) v.asDouble();
      }
    }
    return HostArray.of(y, rows.size(), rows.get(0).size());
  }

  /** Within {@code tolerance} of the largest |expected| when that is above 1, else absolutely. */
  static void close(HostArray actual, HostArray expected, double tolerance, String what) {
    assertThat(actual.shape()).as("%s shape", what).containsExactly(expected.shape());
    float[] a = actual.floats();
    float[] e = expected.floats();
    double limit = tolerance * Math.max(1, max(e));
    for (int i = 0; i < e.length; i++) {
      assertThat((double) a[i]).as("%s at %d", what, i).isCloseTo(e[i], Offset.offset(limit));
    }
  }

  private static double max(float[] v) {
    double m = 0;
    for (float f : v) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }

  /**
   * Nonzero weights whose magnitude another nonzero weight also has, to a relative 1e-5: fixture weights tied
   * at a mask update may since have moved apart by a few ulps (ConvNeXt's LayerScale of 1e-6 leaves its
   * blocks' kernels with almost no gradient).
   */
  private static int tiedMagnitudes(float[] v) {
    float[] m = new float[v.length];
    int n = 0;
    for (float f : v) {
      if (f != 0) {
        m[n++] = Math.abs(f);
      }
    }
    java.util.Arrays.sort(m, 0, n);
    int tied = 0;
    for (int i = 1; i < n; i++) {
      tied += m[i] - m[i - 1] <= 1e-5f * m[i] ? 1 : 0;
    }
    return tied;
  }

  private static int zeros(float[] v) {
    int z = 0;
    for (float f : v) {
      z += f == 0 ? 1 : 0;
    }
    return z;
  }

  private static Path gunzip(String name, Path dir) throws IOException {
    Path out = dir.resolve(name);
    try (InputStream in = new GZIPInputStream(stream(name + ".gz"))) {
      Files.copy(in, out);
    }
    return out;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = stream(name)) {
      return in.readAllBytes();
    }
  }

  private static InputStream stream(String name) {
    InputStream in = ApplicationsFamiliesTest.class.getResourceAsStream(DIR + name);
    assertThat(in).as("committed fixture %s (dsl/keras/tools/make_applications_fixtures.py writes the Keras files,"
        + " dsl/tflite/tools/make_tflite_fixtures.py --family-fixtures the interpreter's outputs)", name).isNotNull();
    return in;
  }

  private static float[] floats(JsonNode values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) values.get(i).asDouble();
    }
    return out;
  }

  private static long[] longs(JsonNode values) {
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).asLong();
    }
    return out;
  }

  private static void longs(com.fasterxml.jackson.databind.node.ArrayNode to, long[] values) {
    for (long v : values) {
      to.add(v);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
