package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.merging.Concatenate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras' own layer order is the order Keras 3.15 wrote the layers in its configs (its get_config lists
 * {@code model.layers}): for every functional fixture Keras made, the order computed from a shuffled copy
 * of the config must be the one in the file.
 */
class KerasGraphOrderTest {
  @TempDir
  Path dir;

  @Test
  void everyKerasMadeFunctionalModelIsOrderedAsKerasOrdersIt() throws Exception {
    int functional = 0;
    for (String fixture : Fixtures.all()) {
      JsonNode root = config(Fixtures.file(fixture + ".keras", dir));
      if (!root.path("class_name").asText().equals("Functional")) {
        continue;
      }
      functional++;
      ObjectNode config = (ObjectNode) root.get("config").deepCopy();
      List<String> kerasOrder = new ArrayList<>();
      List<JsonNode> entries = new ArrayList<>();
      for (JsonNode layer : config.get("layers")) {
        kerasOrder.add(layer.get("name").textValue());
        entries.add(layer);
      }
      Collections.shuffle(entries, new Random(fixture.hashCode()));
      ArrayNode shuffled = config.putArray("layers");
      entries.forEach(shuffled::add);
      assertThat(KerasGraphOrder.layers(config)).as(fixture).containsExactlyElementsOf(kerasOrder);
    }
    assertThat(functional).as("functional fixtures").isGreaterThanOrEqualTo(15);
  }

  @Test
  void aModelWrittenFromTheDslListsItsLayersInKerasOrder() throws Exception {
    // Topiary's order is a, b, left, right, concat; Keras 3.15 lists this model's layers (printed by
    // keras.Model([a, b], Concatenate()([right, left])).layers) as b, a, right, left, concat.
    Node a = Input.named("a", 3);
    Node b = Input.named("b", 4);
    Node left = Dense.of(2).named("left").apply(a);
    Node right = Dense.of(2).named("right").apply(b);
    Node out = Concatenate.of().named("concat").apply(right, left);
    ModelSpec spec = Functional.of(List.of(a, b), List.of(out));
    KerasModelWriter.Result written = new KerasModelWriter().write(spec, "m");
    List<String> names = new ArrayList<>();
    written.config().get("config").get("layers").forEach(l -> names.add(l.get("name").textValue()));
    assertThat(names).containsExactly("b", "a", "right", "left", "concat");
  }

  private static JsonNode config(Path keras) throws IOException {
    try (InputStream in = java.nio.file.Files.newInputStream(keras); ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        if (e.getName().equals("config.json")) {
          return Fixtures.JSON.readTree(zip.readAllBytes());
        }
      }
    }
    throw new IOException(keras + " has no config.json");
  }
}
