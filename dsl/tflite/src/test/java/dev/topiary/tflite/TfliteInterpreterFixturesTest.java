package dev.topiary.tflite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Independent references for the TFLite writer: for each layer fixture of {@link TfliteLayerFixturesTest}
 * in every flavour, the file Java wrote and TensorFlow Lite's own interpreter outputs for it are committed
 * ({@code dsl/tflite/tools/make_tflite_fixtures.py}, reference kernels). Here Java must still write that
 * file byte for byte, and Java's model holding the weights read back from it must predict what the
 * interpreter computed: float flavours within 1e-5 of the largest output, int8 ones within TFLite's
 * hybrid-kernel quantisation error (those kernels also quantise the activations to int8 on the fly).
 */
class TfliteInterpreterFixturesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Of the largest |output|: the hybrid kernels quantise activations too (as check_tflite.py allows). */
  private static final double INT8_TOLERANCE = 0.02;
  private static final double FLOAT_TOLERANCE = 1e-5;
  private static final int EXAMPLES = 8;

  record Fixture(TfliteLayerFixturesTest.Case c, TfliteFlavour flavour) {
    String file() {
      return "layers_" + c.name() + "_" + flavour.name().toLowerCase(Locale.ROOT) + ".tflite";
    }

    @Override
    public String toString() {
      return file();
    }
  }

  static Stream<Fixture> fixtures() {
    return TfliteLayerFixturesTest.cases()
        .flatMap(c -> Stream.of(TfliteFlavour.values()).map(f -> new Fixture(c, f)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void javaWritesTheCommittedFileAndPredictsWhatTheInterpreterComputedFromIt(Fixture fixture) throws IOException {
    byte[] committed = resource(fixture.file());
    JsonNode expected = JSON.readTree(resource(fixture.file() + ".expected.json"));
    ModelSpec spec = fixture.c().spec();
    List<HostArray> inputs = TfliteLayerFixturesTest.inputs(fixture.c(), EXAMPLES);
    assertThat(digest(spec, inputs)).as("the inputs the interpreter ran on").isEqualTo(expected.get("inputs_sha256").asText());
    try (Model model = spec.compile(TfliteLayerFixturesTest.COMPILE); Model fromFile = spec.compile(TfliteLayerFixturesTest.COMPILE)) {
      model.setWeights(TfliteLayerFixturesTest.prunedByHand(model.weights(), fixture.c().blockKernel()));
      assertThat(TfliteExport.bytes(model, fixture.flavour()))
          .as("%s as Java writes it today (regenerate with make_tflite_fixtures.py after a deliberate change)", fixture)
          .isEqualTo(committed);
      TfliteFile file = TfliteFile.parse(committed, fixture.file());
      fromFile.setWeights(TfliteWeights.read(file, spec));
      List<HostArray> actual = fromFile.predict(inputs, EXAMPLES);
      boolean quantised = file.tensors().stream().anyMatch(TfliteFile.Tensor::isInt8);
      for (int o = 0; o < actual.size(); o++) {
        String name = spec.outputName(o);
        JsonNode out = expected.get("outputs").get(name);
        assertThat(out).as("interpreter output %s of %s", name, fixture).isNotNull();
        float[] want = floats(out.get("values"));
        float[] got = actual.get(o).floats();
        assertThat(got).hasSameSizeAs(want);
        double largest = 0;
        for (float v : want) {
          largest = Math.max(largest, Math.abs(v));
        }
        double limit = quantised ? INT8_TOLERANCE * largest : FLOAT_TOLERANCE * Math.max(1, largest);
        for (int i = 0; i < want.length; i++) {
          assertThat((double) got[i]).as("%s output %s[%d] (interpreter %s)", fixture, name, i, want[i])
              .isCloseTo(want[i], org.assertj.core.data.Offset.offset(limit));
        }
      }
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = TfliteInterpreterFixturesTest.class.getResourceAsStream("/tflite-interpreter/" + name)) {
      assertThat(in).as("committed fixture %s (dsl/tflite/tools/make_tflite_fixtures.py writes it)", name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static float[] floats(JsonNode values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) values.get(i).asDouble();
    }
    return out;
  }

  /** SHA-256 of the inputs in name order, each as little-endian float32 (as the script computes it). */
  private static String digest(ModelSpec spec, List<HostArray> inputs) {
    Map<String, HostArray> byName = new TreeMap<>();
    for (int k = 0; k < inputs.size(); k++) {
      byName.put(spec.inputName(spec.inputs().get(k)), inputs.get(k));
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (HostArray a : byName.values()) {
        float[] v = a.floats();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        sha.update(b.array());
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
