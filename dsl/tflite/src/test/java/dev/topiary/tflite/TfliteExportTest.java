package dev.topiary.tflite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv1D;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfliteExportTest {
  static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(7);

  static ModelSpec tutorialCnn() {
    return Sequential.of(Input.of(28, 28), Reshape.of(28, 28, 1), Conv2D.of(12, 3).activation(Activation.RELU),
        MaxPooling2D.of(2), Flatten.of(), Dense.of(10));
  }

  /** Initial weights with about 4 in 5 kernel entries zeroed at random (a pruned model's pattern, by hand). */
  static Map<String, HostArray> sparseWeights(Model model) {
    Map<String, HostArray> w = new HashMap<>(model.weights());
    Random r = new Random(1);
    for (String name : List.of("conv2d_kernel", "dense_kernel")) {
      float[] v = w.get(name).floats().clone();
      for (int i = 0; i < v.length; i++) {
        if (r.nextInt(5) != 0) {
          v[i] = 0;
        }
      }
      w.put(name, HostArray.of(v, w.get(name).shape()));
    }
    model.setWeights(w);
    return w;
  }

  static List<Integer> opCodes(TfliteFile f) {
    return f.operators().stream().map(TfliteFile.Operator::builtinCode).toList();
  }

  static HostArray images(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n * 28 * 28];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat();
    }
    return HostArray.of(v, n, 28, 28);
  }

  @Test
  void tutorialCnnInEveryFlavour() {
    try (Model model = tutorialCnn().compile(COMPILE)) {
      Map<String, HostArray> w = sparseWeights(model);
      float[] kernel = w.get("dense_kernel").floats(); // [2028, 10]
      HostArray x = images(16, 3);
      float[] expected = model.predict(x).floats();
      Map<TfliteFlavour, Integer> sizes = new HashMap<>();
      for (TfliteFlavour flavour : TfliteFlavour.values()) {
        byte[] bytes = TfliteExport.bytes(model, flavour);
        sizes.put(flavour, bytes.length);
        TfliteFile f = TfliteFile.parse(bytes, flavour.name());
        assertThat(f.inputNames()).containsExactly("input");
        assertThat(f.outputNames()).containsExactly("dense");
        TfliteFile.Tensor in = f.tensors().get(f.inputs()[0]);
        assertThat(in.shape()).containsExactly(1, 28, 28);
        assertThat(in.shapeSignature()).containsExactly(-1, 28, 28);
        // Sparse int8 weights are densified, then dequantised once, and the op runs in float.
        List<Integer> expectedOps = flavour == TfliteFlavour.SPARSE_INT8
            ? List.of(Schema.RESHAPE, Schema.DENSIFY, Schema.CONV_2D, Schema.MAX_POOL_2D, Schema.RESHAPE, Schema.DENSIFY,
                Schema.DEQUANTIZE, Schema.FULLY_CONNECTED)
            : flavour.sparse()
            ? List.of(Schema.RESHAPE, Schema.DENSIFY, Schema.CONV_2D, Schema.MAX_POOL_2D, Schema.RESHAPE, Schema.DENSIFY,
                Schema.FULLY_CONNECTED)
            : List.of(Schema.RESHAPE, Schema.CONV_2D, Schema.MAX_POOL_2D, Schema.RESHAPE, Schema.FULLY_CONNECTED);
        assertThat(opCodes(f)).as(flavour.name()).isEqualTo(expectedOps);
        TfliteFile.Operator conv = f.operators().stream().filter(o -> o.builtinCode() == Schema.CONV_2D).findFirst()
            .orElseThrow();
        assertThat(f.option(conv, Schema.Conv2D.ACTIVATION, true, -1)).isEqualTo(Schema.ACT_RELU);
        assertThat(f.option(conv, Schema.Conv2D.PADDING, true, -1)).isEqualTo(Schema.VALID);

        TfliteFile.Tensor fc = f.tensor("dense_kernel").orElseThrow();
        assertThat(fc.shape()).containsExactly(10, 2028);
        assertThat(fc.isInt8()).isEqualTo(flavour == TfliteFlavour.INT8 || flavour == TfliteFlavour.SPARSE_INT8);
        assertThat(fc.sparsity() != null).isEqualTo(flavour.sparse());
        float[] stored = f.values(fc);
        for (int o = 0; o < 10; o++) {
          float max = 0;
          for (int i = 0; i < 2028; i++) {
            max = Math.max(max, Math.abs(kernel[i * 10 + o]));
          }
          float tolerance = fc.isInt8() ? max / 127 / 2 * 1.0001f : 0;
          if (fc.isInt8()) {
            assertThat(fc.scales()[o]).isCloseTo(max == 0 ? 1 : max / 127, org.assertj.core.data.Offset.offset(1e-9f));
          }
          for (int i = 0; i < 2028; i++) {
            assertThat(stored[o * 2028 + i]).as("%s dense_kernel[%d][%d]", flavour, i, o)
                .isCloseTo(kernel[i * 10 + o], org.assertj.core.data.Offset.offset(tolerance));
          }
        }
        // The conv kernel (108 weights) stays float in every flavour: below the converter's 1,024.
        assertThat(f.tensor("conv2d_kernel").orElseThrow().isInt8()).isFalse();

        // Weights read back into the model reproduce it: exactly for float, within int8 error otherwise.
        Map<String, HostArray> back = TfliteWeights.read(f, model.spec());
        try (Model copy = model.spec().compile(COMPILE)) {
          copy.setWeights(back);
          float[] actual = copy.predict(x).floats();
          for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(
                fc.isInt8() ? 0.05f : 1e-5f));
          }
        }
      }
      // The sparse files are smaller, and int8 smaller still (20,280 kernel weights, 4 in 5 zero).
      assertThat(sizes.get(TfliteFlavour.SPARSE)).isLessThan(sizes.get(TfliteFlavour.FLOAT32) / 2);
      assertThat(sizes.get(TfliteFlavour.INT8)).isLessThan(sizes.get(TfliteFlavour.FLOAT32) / 3);
      assertThat(sizes.get(TfliteFlavour.SPARSE_INT8)).isLessThan(sizes.get(TfliteFlavour.INT8));
    }
  }

  @Test
  void csrLayoutIsTflites() {
    // Dense(3) on 64 inputs: kernel [64, 3], TFLite weights [3, 64]; one non-zero per output row.
    ModelSpec spec = Sequential.of(Input.of(64), Dense.of(3));
    try (Model model = spec.compile(COMPILE)) {
      float[] k = new float[64 * 3];
      k[2 * 3 + 0] = 1.5f; // input 2 -> output 0
      k[0 * 3 + 1] = -2f;  // input 0 -> output 1
      k[63 * 3 + 2] = 0.25f; // input 63 -> output 2
      model.setWeights(Map.of("dense_kernel", HostArray.of(k, 64, 3), "dense_bias", HostArray.of(new float[3], 3)));
      TfliteFile f = TfliteFile.parse(TfliteExport.bytes(model, TfliteFlavour.SPARSE), "csr");
      TfliteFile.Tensor t = f.tensor("dense_kernel").orElseThrow();
      TfliteFile.Sparsity s = t.sparsity();
      assertThat(s.traversalOrder()).containsExactly(0, 1);
      assertThat(s.blockMap()).isEmpty();
      assertThat(s.dims().get(0).sparse()).isFalse();
      assertThat(s.dims().get(0).denseSize()).isEqualTo(3);
      assertThat(s.dims().get(1).segments()).containsExactly(0, 1, 2, 3);
      assertThat(s.dims().get(1).indices()).containsExactly(2, 0, 63);
      assertThat(f.data(t)).hasSize(12); // three float32 values
      float[] dense = new float[3 * 64];
      dense[2] = 1.5f;
      dense[64] = -2f;
      dense[2 * 64 + 63] = 0.25f;
      assertThat(f.values(t)).containsExactly(dense);
      assertThat(opCodes(f)).containsExactly(Schema.DENSIFY, Schema.FULLY_CONNECTED);
    }
  }

  @Test
  void oneByFourBlocksFeedFullyConnectedDirectly() {
    // Dense(2) on 8 inputs, TFLite weights [2, 8]: output 0 keeps inputs 4-7, output 1 inputs 0-3.
    ModelSpec spec = Sequential.of(Input.of(8), Dense.of(2).activation(Activation.RELU));
    try (Model model = spec.compile(COMPILE)) {
      float[] k = new float[16];
      for (int i = 0; i < 4; i++) {
        k[(4 + i) * 2] = i + 1;       // [in 4+i][out 0]
        k[i * 2 + 1] = -(i + 1);      // [in i][out 1]
      }
      model.setWeights(Map.of("dense_kernel", HostArray.of(k, 8, 2), "dense_bias", HostArray.of(new float[] {1, 2}, 2)));
      TfliteFile f = TfliteFile.parse(TfliteExport.bytes(model, TfliteFlavour.SPARSE), "blocks");
      assertThat(opCodes(f)).containsExactly(Schema.FULLY_CONNECTED);
      assertThat(f.operators().get(0).version()).isEqualTo(8);
      TfliteFile.Tensor t = f.tensor("dense_kernel").orElseThrow();
      TfliteFile.Sparsity s = t.sparsity();
      assertThat(s.traversalOrder()).containsExactly(0, 1, 2);
      assertThat(s.blockMap()).containsExactly(1);
      assertThat(s.dims().get(0).denseSize()).isEqualTo(2);
      assertThat(s.dims().get(1).segments()).containsExactly(0, 1, 2);
      assertThat(s.dims().get(1).indices()).containsExactly(1, 0);
      assertThat(s.dims().get(2).denseSize()).isEqualTo(4);
      assertThat(f.values(t)).containsExactly(0, 0, 0, 0, 1, 2, 3, 4, -1, -2, -3, -4, 0, 0, 0, 0);
    }
  }

  @Test
  void batchNormalizationFoldsIntoTheConv() {
    Node in = Input.of(8, 8, 3);
    Node conv = Conv2D.of(4, 3).apply(in);
    Node bn = BatchNormalization.of().epsilon(1e-3f).apply(conv);
    Node relu = ActivationLayer.of(Activation.RELU).apply(bn);
    Node out = Dense.of(3, Activation.SOFTMAX).apply(GlobalAveragePooling2D.of().apply(relu));
    ModelSpec spec = Functional.of(in, out);
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(false)).seed(3))) {
      Map<String, HostArray> w = new HashMap<>(model.weights());
      Random r = new Random(5);
      for (String name : List.of("batch_normalization_gamma", "batch_normalization_beta",
          "batch_normalization_moving_mean", "batch_normalization_moving_variance")) {
        float[] v = new float[4];
        for (int c = 0; c < 4; c++) {
          v[c] = name.endsWith("variance") ? 0.5f + r.nextFloat() : r.nextFloat() - 0.5f;
        }
        w.put(name, HostArray.of(v, 4));
      }
      model.setWeights(w);
      TfliteFile f = TfliteFile.parse(TfliteExport.bytes(model, TfliteFlavour.FLOAT32), "bn");
      assertThat(opCodes(f)).containsExactly(Schema.CONV_2D, Schema.RELU, Schema.MEAN, Schema.FULLY_CONNECTED,
          Schema.SOFTMAX);
      // Folded by hand: kernel * gamma / sqrt(var + eps), bias (0 - mean) * that + beta.
      float[] kernel = w.get("conv2d_kernel").floats(); // [3, 3, 3, 4]
      float[] folded = f.values(f.tensor("conv2d_kernel").orElseThrow()); // [4, 3, 3, 3]
      float[] bias = f.values(f.tensor("conv2d_bias").orElseThrow());
      for (int c = 0; c < 4; c++) {
        double scale = w.get("batch_normalization_gamma").floats()[c]
            / Math.sqrt(w.get("batch_normalization_moving_variance").floats()[c] + 1e-3);
        assertThat(bias[c]).isCloseTo((float) (-w.get("batch_normalization_moving_mean").floats()[c] * scale
            + w.get("batch_normalization_beta").floats()[c]), org.assertj.core.data.Offset.offset(1e-6f));
        for (int i = 0; i < 27; i++) {
          assertThat(folded[c * 27 + i]).isCloseTo((float) (kernel[i * 4 + c] * scale),
              org.assertj.core.data.Offset.offset(1e-6f));
        }
      }
      HostArray x = HostArray.of(randoms(2 * 8 * 8 * 3, 9), 2, 8, 8, 3);
      float[] expected = model.predict(x).floats();
      try (Model copy = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(false)).seed(4))) {
        copy.setWeights(TfliteWeights.read(f, spec));
        float[] actual = copy.predict(x).floats();
        for (int i = 0; i < expected.length; i++) {
          assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
      }
    }
  }

  static float[] randoms(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextFloat();
    }
    return v;
  }

  @Test
  void unsupportedLayersAreAllListed() {
    ModelSpec spec = Sequential.of(Input.of(10, 4), Conv1D.of(4, 3), LSTM.of(8).returnState(true), Dense.of(2, Activation.SELU));
    try (Model model = spec.compile(COMPILE)) {
      assertThatThrownBy(() -> TfliteExport.bytes(model, TfliteFlavour.FLOAT32))
          .isInstanceOfSatisfying(UnsupportedLayersException.class, e -> assertThat(e.problems()).hasSize(3))
          .hasMessageContaining("'conv1d' (Conv1D)").hasMessageContaining("'lstm' (LSTM): return_state is not supported")
          .hasMessageContaining("'dense' (Dense): activation 'selu'");
    }
    ModelSpec masked = Sequential.of(Input.of(6), dev.topiary.dsl.layers.core.Embedding.of(50, 4).maskZero(true),
        Flatten.of(), Dense.of(2));
    try (Model model = masked.compile(COMPILE)) {
      assertThatThrownBy(() -> TfliteExport.bytes(model, TfliteFlavour.INT8))
          .isInstanceOf(UnsupportedLayersException.class).hasMessageContaining("'embedding' (Embedding): mask_zero");
    }
    // A sequence-returning LSTM passes the mask on: only LSTMs after it rebuild it from the ids.
    ModelSpec maskedSequence = Sequential.of(Input.of(6), dev.topiary.dsl.layers.core.Embedding.of(50, 4).maskZero(true),
        LSTM.of(4).returnSequences(true), Dense.of(2));
    try (Model model = maskedSequence.compile(COMPILE)) {
      assertThatThrownBy(() -> TfliteExport.bytes(model, TfliteFlavour.FLOAT32))
          .isInstanceOfSatisfying(UnsupportedLayersException.class, e -> assertThat(e.problems()).hasSize(1))
          .hasMessageContaining("'lstm' (LSTM): its output carries the mask of a mask_zero Embedding")
          .hasMessageContaining("not 'dense' (Dense)");
    }
  }

  @Test
  void writesAtomicallyAndCorruptFilesFailClearly(@TempDir Path dir) throws Exception {
    try (Model model = tutorialCnn().compile(COMPILE)) {
      sparseWeights(model);
      Path file = dir.resolve("m.tflite");
      TfliteExport.write(model, file, TfliteFlavour.SPARSE_INT8);
      byte[] bytes = Files.readAllBytes(file);
      assertThat(TfliteFile.read(file).operators()).hasSize(8);
      assertThatThrownBy(() -> TfliteFile.parse(java.util.Arrays.copyOf(bytes, 100), "short"))
          .isInstanceOf(CorruptFileException.class).hasMessageContaining("short");
      Random r = new Random(11);
      for (int trial = 0; trial < 300; trial++) {
        byte[] m = bytes.clone();
        for (int k = 0; k < 4; k++) {
          m[r.nextInt(Math.min(m.length, 4096))] = (byte) r.nextInt(256);
        }
        try {
          TfliteFile f = TfliteFile.parse(m, "mutated");
          for (TfliteFile.Tensor t : f.tensors()) {
            if (t.buffer() != 0) {
              f.values(t);
            }
          }
        } catch (CorruptFileException e) {
          assertThat(e.getMessage()).contains("mutated");
        }
      }
    }
  }
}
