package dev.topiary.dsl.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

class SavedModelExportTest {

  @Test
  void exportsAStrippedServingModelThatReloadsWithTheSameOutputs(@TempDir Path dir) throws Exception {
    Node in = Input.named("pixels", 8, 8, 1);
    Node x = Conv2D.of(4, 3).activation(Activation.RELU).prunable(ConstantSparsity.of(0.5, 0, -1, 2)).apply(in);
    x = BatchNormalization.of().apply(MaxPooling2D.of(2).apply(x));
    Node out = Dense.of(3).named("scores").prunable(ConstantSparsity.of(0.7, 0, -1, 2)).apply(Flatten.of().apply(x));
    ModelSpec spec = Functional.of(in, out);
    Random r = new Random(3);
    float[] pixels = new float[32 * 64];
    int[] labels = new int[32];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = r.nextFloat();
    }
    for (int i = 0; i < labels.length; i++) {
      labels[i] = r.nextInt(3);
    }
    HostArray images = HostArray.of(pixels, 32, 8, 8, 1);
    Path export = dir.resolve("serving");
    float[] expected;
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(2))) {
      model.fit(images, HostArray.ofLabels(labels), Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent()));
      expected = model.predict(images).floats();
      model.exportSavedModel(export);
      assertThatThrownBy(() -> model.exportSavedModel(export)).hasMessageContaining("already exists");
    }
    assertThat(export.resolve("saved_model.pb")).exists();
    try (Stream stream = new Stream(dir)) {
      assertThat(stream.names()).containsExactly("serving"); // no partial directory left
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(export.toString(), "serve");
        Tensor input = images.toTensor();
        Result result = bundle.function("serving_default").call(Map.of("pixels", input))) {
      float[] actual = HostArray.fromTensor((TFloat32) result.get("scores").orElseThrow()).floats();
      assertThat(actual).hasSameSizeAs(expected);
      for (int i = 0; i < actual.length; i++) {
        assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
      List<String> ops = new ArrayList<>();
      bundle.graph().operations().forEachRemaining(o -> ops.add(o.name().toLowerCase()));
      assertThat(ops).noneMatch(n -> n.contains("prune") || n.contains("optimizer") || n.contains("adam")
          || n.contains("train") || n.contains("global_step"));
      // The pruned kernels are sparse in the export.
      assertThat(ops).contains("scores_kernel", "conv2d_kernel");
    }
  }

  /** Lists a directory's entries and closes the listing. */
  private record Stream(java.util.stream.Stream<Path> files) implements AutoCloseable {
    Stream(Path dir) throws java.io.IOException {
      this(Files.list(dir));
    }

    List<String> names() {
      return files.map(p -> p.getFileName().toString()).toList();
    }

    @Override
    public void close() {
      files.close();
    }
  }
}
