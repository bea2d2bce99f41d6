package dev.topiary.dsl.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.VariableDef;
import org.tensorflow.types.TFloat32;

/** The exported SavedModel is a clean, standard one (issue 15, item 1). */
class StandardSavedModelTest {
  /** Op types that have no place in an inference export. */
  private static final Set<String> FORBIDDEN = Set.of("MaxPoolV2", "ApplyAdam", "ApplyGradientDescent",
      "ResourceApplyAdam", "AssignAdd", "AssignSub", "SparseSoftmaxCrossEntropyWithLogits",
      "SoftmaxCrossEntropyWithLogits", "StatelessRandomUniform", "StatelessRandomUniformV2", "RandomUniform",
      // reference variables and their assignments (the training graph's weight loading)
      "VariableV2", "Assign");

  /** The tutorial's MNIST CNN. */
  static ModelSpec mnistCnn() {
    return Sequential.of(Input.of(28, 28),
        Reshape.of(28, 28, 1),
        Conv2D.of(12, 3).activation(Activation.RELU),
        MaxPooling2D.of(2),
        Flatten.of(),
        Dense.of(10));
  }

  static Compile compile() {
    return Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(5);
  }

  @Test
  void theMnistCnnExportsAsAStandardSavedModel(@TempDir Path dir) throws Exception {
    HostArray images = images(16, 3);
    try (Model model = mnistCnn().compile(compile())) {
      model.fit(images, labels(16), Fit.ofEpochs(1).batchSize(8).progress(ProgressSink.silent()));
      Path export = dir.resolve("cnn");
      model.exportSavedModel(export);
      checkStandard(export, List.of("input"), List.of(model.spec().outputName(0)), 4);
      checkReload(export, "input", model.spec().outputName(0), images, model.predict(images).floats());
    }
  }

  @Test
  void aPrunedThenStrippedModelExportsItsZeros(@TempDir Path dir) throws Exception {
    HostArray images = images(16, 4);
    ModelSpec pruned = mnistCnn().prunedWith(PruningSpec.of(ConstantSparsity.of(0.75, 0, -1, 1)));
    try (Model model = pruned.compile(compile())) {
      model.fit(images, labels(16), Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent()));
      float[] expected = model.predict(images).floats();
      Path fromPruned = dir.resolve("pruned");
      model.exportSavedModel(fromPruned);
      checkStandard(fromPruned, List.of("input"), List.of(model.spec().outputName(0)), 4);
      checkReload(fromPruned, "input", model.spec().outputName(0), images, expected);
      try (Model stripped = model.strip()) {
        float[] strippedOut = stripped.predict(images).floats();
        Path fromStripped = dir.resolve("stripped");
        stripped.exportSavedModel(fromStripped);
        checkStandard(fromStripped, List.of("input"), List.of(stripped.spec().outputName(0)), 4);
        checkReload(fromStripped, "input", stripped.spec().outputName(0), images, strippedOut);
        try (SavedModelBundle bundle = SavedModelBundle.load(fromStripped.toString(), "serve")) {
          assertThat(bundle.session().runner().fetch("dense_kernel_read").run().get(0)).satisfies(t ->
              assertThat(zeros(HostArray.fromTensor((TFloat32) t).floats())).isGreaterThan(0.7));
        }
      }
    }
  }

  @Test
  void aModelWithoutWeightsAndAModelWithTwoOutputsExport(@TempDir Path dir) throws Exception {
    HostArray images = images(4, 6);
    try (Model model = Sequential.of(Input.of(28, 28), Flatten.of()).compile(
        Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()))) {
      Path export = dir.resolve("flatten");
      model.exportSavedModel(export);
      SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(export.resolve("saved_model.pb")));
      assertThat(saved.getSavedModelSchemaVersion()).isEqualTo(1);
      assertThat(saved.getMetaGraphs(0).getCollectionDefMap()).doesNotContainKey("variables");
      checkReload(export, "input", model.spec().outputName(0), images, model.predict(images).floats());
    }
    dev.topiary.dsl.Node in = Input.named("pixels", 28, 28);
    dev.topiary.dsl.Node flat = Flatten.of().apply(in);
    dev.topiary.dsl.Node scores = Dense.of(3).named("scores").apply(flat);
    dev.topiary.dsl.Node extra = Dense.of(2, Activation.TANH).named("extra").apply(flat);
    ModelSpec twoOutputs = dev.topiary.dsl.Functional.of(List.of(in), List.of(scores, extra));
    try (Model model = twoOutputs.compile(Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()).seed(2))) {
      Path export = dir.resolve("two");
      model.exportSavedModel(export);
      checkStandard(export, List.of("pixels"), List.of("scores", "extra"), 4);
      List<HostArray> expected = model.predict(List.of(images), 128);
      checkReload(export, "pixels", "scores", images, expected.get(0).floats());
      checkReload(export, "pixels", "extra", images, expected.get(1).floats());
    }
  }

  private static double zeros(float[] values) {
    int n = 0;
    for (float v : values) {
      n += v == 0f ? 1 : 0;
    }
    return (double) n / values.length;
  }

  /** Checks the saved_model.pb: the standard fields, the inference graph only, the variables. */
  static void checkStandard(Path export, List<String> inputs, List<String> outputs, int variables) throws Exception {
    SavedModel model = SavedModel.parseFrom(Files.readAllBytes(export.resolve("saved_model.pb")));
    assertThat(model.getSavedModelSchemaVersion()).isEqualTo(1);
    assertThat(model.getMetaGraphsCount()).isEqualTo(1);
    MetaGraphDef meta = model.getMetaGraphs(0);
    assertThat(meta.getMetaInfoDef().getTagsList()).containsExactly("serve");
    assertThat(meta.getMetaInfoDef().getTensorflowVersion()).isNotEmpty();
    SignatureDef signature = meta.getSignatureDefOrThrow("serving_default");
    assertThat(signature.getMethodName()).isEqualTo("tensorflow/serving/predict");
    assertThat(signature.getInputsMap().keySet()).containsExactlyElementsOf(inputs);
    assertThat(signature.getOutputsMap().keySet()).containsExactlyInAnyOrderElementsOf(outputs);
    for (TensorInfo info : signature.getInputsMap().values()) {
      assertThat(info.getTensorShape().getDim(0).getSize()).as("dynamic batch").isEqualTo(-1);
    }
    for (TensorInfo info : signature.getOutputsMap().values()) {
      assertThat(info.getTensorShape().getDim(0).getSize()).as("dynamic batch").isEqualTo(-1);
    }
    List<String> inputOps = signature.getInputsMap().values().stream().map(i -> i.getName().split(":")[0]).toList();
    List<String> names = new ArrayList<>();
    for (NodeDef node : meta.getGraphDef().getNodeList()) {
      names.add(node.getName().toLowerCase());
      assertThat(node.getOp()).as(node.getName()).isNotIn(FORBIDDEN);
      if (node.getOp().startsWith("Placeholder")) {
        assertThat(node.getName()).as("the only placeholders are the inputs").isIn(inputOps);
      }
    }
    assertThat(names).noneMatch(n -> n.contains("step") || n.contains("label") || n.contains("loss")
        || n.contains("optimizer") || n.contains("adam") || n.contains("mask") || n.contains("prun")
        || n.contains("sample_weight") || n.contains("_load") || n.contains("accuracy") || n.contains("train"));
    assertThat(meta.getCollectionDefOrThrow("variables").getBytesList().getValueCount()).isEqualTo(variables);
    for (var bytes : meta.getCollectionDefOrThrow("variables").getBytesList().getValueList()) {
      VariableDef v = VariableDef.parseFrom(bytes);
      String op = v.getVariableName().split(":")[0];
      assertThat(meta.getGraphDef().getNodeList()).anyMatch(n -> n.getName().equals(op) && n.getOp().equals("VarHandleOp"));
      assertThat(v.getIsResource()).isTrue();
      assertThat(meta.getGraphDef().getNodeList()).anyMatch(n -> n.getName().equals(v.getInitializerName()));
      assertThat(meta.getGraphDef().getNodeList())
          .anyMatch(n -> n.getName().equals(v.getSnapshotName().split(":")[0]) && n.getOp().equals("ReadVariableOp"));
    }
    assertThat(export.resolve("variables/variables.index")).exists();
    assertThat(export.resolve("variables/variables.data-00000-of-00001")).exists();
    assertThat(meta.getSaverDef().getRestoreOpName()).isNotEmpty();
  }

  /** Reloads the export through the serving signature: the outputs equal {@code expected} within 1e-6. */
  static void checkReload(Path export, String input, String output, HostArray x, float[] expected) {
    try (SavedModelBundle bundle = SavedModelBundle.load(export.toString(), "serve");
        Tensor in = x.toTensor();
        Result result = bundle.function("serving_default").call(Map.of(input, in))) {
      float[] actual = HostArray.fromTensor((TFloat32) result.get(output).orElseThrow()).floats();
      assertThat(actual).hasSameSizeAs(expected);
      for (int i = 0; i < actual.length; i++) {
        assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
  }

  static HostArray images(int n, long seed) {
    Random r = new Random(seed);
    float[] pixels = new float[n * 28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = r.nextFloat();
    }
    return HostArray.of(pixels, n, 28, 28);
  }

  static HostArray labels(int n) {
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 10;
    }
    return HostArray.ofLabels(labels);
  }
}
