package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.layers.BuiltInLayers;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerType;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every built-in Topiary layer type is mapped to Keras and appears in a Keras-made fixture. */
class KerasLayerCoverageTest {
  @TempDir
  Path dir;

  @Test
  void everyBuiltInLayerIsMappedAndCoveredByAKerasFixture() throws Exception {
    Set<String> builtIn = new TreeSet<>();
    for (LayerType<?> codec : BuiltInLayers.codecs()) {
      builtIn.add(codec.typeName());
    }
    KerasLayers mappings = new KerasLayers("3");
    for (String type : builtIn) {
      assertThat(mappings.forTopiary(type)).as("Keras mapping of " + type).isNotNull();
    }
    Set<String> covered = new TreeSet<>();
    for (String fixture : Fixtures.all()) {
      for (Layer layer : KerasModels.read(Fixtures.file(fixture + ".keras", dir)).spec().layers()) {
        covered.add(layer.typeName());
        if (layer.config().has("layer")) { // Bidirectional, TimeDistributed: the wrapped layer too
          covered.add(layer.config().getObject("layer", "inner").getString("type"));
        }
      }
    }
    assertThat(covered).containsAll(builtIn);
    assertThat(builtIn).hasSize(68);
  }
}
