package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import dev.topiary.samples.keras.KerasPruning;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Keras sample's command: pretrained .keras in, pruned .keras, SavedModel and compact weights out. */
class KerasSampleTest {
  @TempDir Path dir;

  @Test
  void prunesThePretrainedKerasModelAndWritesItBack() throws Exception {
    Path json = dir.resolve("out.json");
    KerasPruning.main(new String[] {"--quiet", "--out", dir.toString(), "--json", json.toString()});
    String results = Files.readString(json);
    assertThat(results).contains("\"model\": \"Keras pretrained\"", "\"model\": \"pruned 0.8\"",
        "\"dense_1_kernel\": 0.8");
    assertThat(dir.resolve("mnist_cnn_pruned_savedmodel").resolve("saved_model.pb")).exists();
    assertThat(dir.resolve("mnist_cnn_pruned.tpsw")).exists();
    KerasModel back = KerasModels.read(dir.resolve("mnist_cnn_pruned.keras"));
    float[] kernel = back.weights().get("dense_1_kernel").floats();
    int zeros = 0;
    for (float v : kernel) {
      zeros += v == 0f ? 1 : 0;
    }
    assertThat(zeros).isEqualTo(kernel.length * 8 / 10);
  }
}
