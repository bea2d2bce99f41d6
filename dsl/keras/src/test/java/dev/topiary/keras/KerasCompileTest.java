package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link KerasModel#compile} builds the model holding the file's weights from its first session run
 * (no random initial values): the built model's weights are the file's, bit for bit, dense and pruned,
 * and everything else starts fresh (Adam's slots zero, masks one, step 0).
 */
class KerasCompileTest {
  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"mnist_cnn.keras", "mnist_cnn.h5", "text_lstm.keras"})
  void holdsTheFilesWeightsExactly(String fixture) throws Exception {
    KerasModel keras = KerasModels.read(Fixtures.file("keras/" + fixture, dir));
    ModelSpec pruned = keras.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0)), PruningPolicy.all());
    for (ModelSpec spec : new ModelSpec[] {keras.spec(), pruned}) {
      try (Model model = keras.compile(spec, Fixtures.COMPILE)) {
        Map<String, HostArray> weights = model.weights();
        assertThat(weights.keySet()).isEqualTo(keras.weights().keySet());
        keras.weights().forEach((name, value) -> assertThat(weights.get(name)).as(name).isEqualTo(value));
        Map<String, HostArray> state = model.snapshot().variables();
        state.forEach((name, value) -> {
          if (name.endsWith("_adam_m") || name.endsWith("_adam_v")) {
            assertThat(value.floats()).as(name).containsOnly(0f);
          } else if (name.endsWith("_prune_mask")) {
            assertThat(value.floats()).as(name).containsOnly(1f);
          }
        });
        assertThat(state.keySet().stream().filter(n -> n.endsWith("_prune_mask")).count())
            .isEqualTo(spec == pruned ? spec.prunedWeights().size() : 0);
        assertThat(spec == pruned ? spec.prunedWeights() : Map.of()).hasSizeGreaterThanOrEqualTo(spec == pruned ? 1 : 0);
        assertThat(model.step()).isZero();
      }
    }
  }
}
