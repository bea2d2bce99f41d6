package dev.topiary.saving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.saving.ModelFormat;
import dev.topiary.dsl.saving.Saving;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One pair of verbs for every model file format; formats of other modules found on the class path. */
class SavingTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(0.01f), Loss.meanSquaredError()).seed(4);
  private static final ModelSpec SPEC = Sequential.of(Input.of(5), Dense.of(16, Activation.TANH)
      .prunable(ConstantSparsity.of(0.5, 0)), Dense.of(2));
  private static HostArray x;
  private static HostArray y;

  @TempDir
  Path dir;

  @BeforeAll
  static void data() {
    Random r = new Random(3);
    float[] xs = new float[40 * 5];
    float[] ys = new float[40 * 2];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < ys.length; i++) {
      ys[i] = (float) r.nextGaussian();
    }
    x = HostArray.ofFloats(xs, 40, 5);
    y = HostArray.ofFloats(ys, 40, 2);
  }

  private static Model trained() {
    Model m = SPEC.compile(COMPILE);
    m.fit(x, y, Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent()));
    return m;
  }

  @Test
  void formatsOfEveryModuleOnTheClassPathAreFound() {
    assertThat(Saving.formats()).extracting(ModelFormat::name)
        .contains("topiary", "savedmodel", "tpsw", "checkpoint", "keras", "h5", "tflite");
  }

  @Test
  void modelFormatsSaveAndLoadByNameAndByContent() throws Exception {
    try (Model model = trained()) {
      float[] expected = model.predict(x).floats();
      Path topiary = dir.resolve("model");
      Saving.save(model, topiary);
      try (Model back = Saving.load(topiary, COMPILE)) {
        assertThat(back.predict(x).floats()).containsExactly(expected); // the same weights and masks, the same graph
        assertThat(back.snapshot().variables().keySet()).isEqualTo(model.snapshot().variables().keySet());
      }
      for (String name : new String[] {"model.keras", "model.h5"}) {
        Path file = dir.resolve(name);
        Saving.save(model, file);
        Path renamed = Files.move(file, dir.resolve(name + ".bin")); // recognised by its content, not its name
        try (Model back = Saving.load(renamed, COMPILE)) {
          assertThat(back.predict(x).floats()).as(name).containsExactly(expected, Offset.offset(1e-6f));
        }
      }
    }
  }

  @Test
  void weightFormatsLoadIntoAModelOfTheSameDefinition() throws Exception {
    try (Model model = trained()) {
      Map<String, HostArray> weights = model.weights();
      for (String format : new String[] {"tflite", "tpsw", "keras"}) {
        Path file = dir.resolve("w." + format);
        Saving.save(model, file, format);
        try (Model fresh = SPEC.compile(COMPILE)) {
          Saving.loadWeights(fresh, file);
          fresh.weights().forEach((k, v) -> assertThat(v.floats()).as(format + " " + k) // -0.0 (pruned) and 0.0 alike
              .containsExactly(weights.get(k).floats(), Offset.offset(0f)));
        }
      }
    }
    // The variant reaches the writer: int8 weights (TFLite keeps kernels under 1024 weights float).
    try (Model wide = Sequential.of(Input.of(64), Dense.of(32)).compile(COMPILE)) {
      Saving.save(wide, dir.resolve("f.tflite"));
      Saving.save(wide, dir.resolve("q.tflite"), "tflite:int8");
      assertThat(Files.size(dir.resolve("q.tflite"))).isLessThan(Files.size(dir.resolve("f.tflite")) / 2);
    }
  }

  @Test
  void aCheckpointWrittenByFitLoadsIntoAModel() throws Exception {
    Path ckpt = dir.resolve("fit.tpck");
    try (Model model = SPEC.compile(COMPILE)) {
      model.fit(x, y, Fit.ofEpochs(1).batchSize(8).checkpoints(ckpt, 5).progress(ProgressSink.silent()));
      try (Model fresh = SPEC.compile(COMPILE)) {
        Saving.loadWeights(fresh, ckpt);
        assertThat(fresh.step()).isEqualTo(model.step());
        model.weights().forEach((k, v) -> assertThat(fresh.weights().get(k).floats()).as(k).containsExactly(v.floats()));
      }
      assertThatThrownBy(() -> Saving.save(model, dir.resolve("again.tpck")))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("Fit.checkpoints");
    }
  }

  @Test
  void whatCannotBeDoneFailsNamingTheFileAndTheWayOut() throws Exception {
    try (Model model = trained()) {
      Path garbage = Files.write(dir.resolve("notes.txt"), "hello, not a model".getBytes());
      assertThatThrownBy(() -> Saving.load(garbage, COMPILE)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("notes.txt").hasMessageContaining("keras");
      assertThatThrownBy(() -> Saving.save(model, dir.resolve("model.onnx"))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("model.onnx").hasMessageContaining(".keras");
      assertThatThrownBy(() -> Saving.save(model, dir.resolve("m.tflite"), "tflite:int4"))
          .hasMessageContaining("int4").hasMessageContaining("sparse_int8");
      Path served = dir.resolve("served");
      Saving.save(model, served, "savedmodel");
      assertThat(served.resolve("saved_model.pb")).exists();
      assertThatThrownBy(() -> Saving.load(served, COMPILE)).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("SavedModel");
      Path tflite = dir.resolve("m.tflite");
      Saving.save(model, tflite);
      assertThatThrownBy(() -> Saving.load(tflite, COMPILE)).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("loadWeights");
      assertThatThrownBy(() -> Saving.load(dir.resolve("missing.keras"), COMPILE))
          .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
  }
}
