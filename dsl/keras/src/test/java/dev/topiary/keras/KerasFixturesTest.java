package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Keras-made fixture, in both formats, predicts what Keras predicted (within 1e-5); so do the
 * five models rewritten in tf.keras 2.x's dialect of the legacy format.
 */
class KerasFixturesTest {
  @TempDir
  Path dir;

  static Stream<Arguments> fixtures() {
    Stream<Arguments> keras3 = Fixtures.all().stream()
        .flatMap(f -> Stream.of(Arguments.of(f, "keras"), Arguments.of(f, "h5")));
    // tf.keras 2.x dialect of the legacy format (dsl/keras/tools/make_tf_keras2_fixtures.py): .h5 only.
    Stream<Arguments> tf2 = Fixtures.MODELS.stream().map(m -> Arguments.of("keras-tf2/" + m + "_tf2", "h5"));
    return Stream.concat(keras3, tf2);
  }

  @ParameterizedTest(name = "{0}.{1}")
  @MethodSource("fixtures")
  void predictsAsKeras(String fixture, String format) throws Exception {
    JsonNode expected = Fixtures.json(fixture + ".json");
    KerasModel keras = KerasModels.read(Fixtures.file(fixture + "." + format, dir));
    assertThat(keras.format()).isEqualTo(format);
    List<HostArray> inputs = Fixtures.arrays(expected.get("inputs"));
    List<HostArray> outputs = Fixtures.arrays(expected.get("outputs"));
    try (Model model = keras.compile(Fixtures.COMPILE)) {
      List<HostArray> predicted = model.predict(inputs, 16);
      assertThat(predicted).hasSameSizeAs(outputs);
      for (int i = 0; i < outputs.size(); i++) {
        assertThat(predicted.get(i).shape()).isEqualTo(outputs.get(i).shape());
        assertThat(Fixtures.maxAbsDiff(predicted.get(i), outputs.get(i))).as("output %d", i).isLessThanOrEqualTo(1e-5);
      }
    }
  }
}
