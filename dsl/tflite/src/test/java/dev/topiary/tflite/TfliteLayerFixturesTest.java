package dev.topiary.tflite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.GroupedConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One small model per family of supported layers, its kernels about 80 % zero (one Dense in 1x4 blocks),
 * written in every flavour: each file parses back, and its weights loaded into the model reproduce
 * {@code predict} (float flavours within 1e-5, int8 within the quantisation error). With
 * {@code -Dtopiary.tflite.dir=DIR} the files stay in DIR with {@code <file>.json} (inputs, and the outputs
 * of the model holding the file's weights) for {@code dsl/tflite/tools/check_tflite.py}.
 */
class TfliteLayerFixturesTest {
  static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.meanSquaredError()).seed(5);

  record Case(String name, ModelSpec spec, List<Integer> intBounds, String blockKernel) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    List<Case> out = new ArrayList<>();
    out.add(new Case("mlp", Sequential.of(Input.of(20), Dense.of(64, Activation.RELU), Dropout.of(0.5),
        Dense.of(32, Activation.TANH), Dense.of(5, Activation.SOFTMAX)), List.of(0), ""));
    out.add(new Case("conv", Sequential.of(Input.of(432), Reshape.of(12, 12, 3),
        Conv2D.of(16, 3).padding(Padding.SAME).activation(Activation.RELU6), AveragePooling2D.of(2),
        Conv2D.of(32, 3).dilation(2).padding(Padding.SAME), MaxPooling2D.of(2), GlobalMaxPooling2D.of(),
        Dense.of(4, Activation.SIGMOID)), List.of(0), ""));
    out.add(new Case("depthwise", Sequential.of(Input.of(8, 8, 64),
        DepthwiseConv2D.of(3).depthMultiplier(2).activation(Activation.RELU), SeparableConv2D.of(16, 3),
        GlobalAveragePooling2D.of(), Dense.of(3)), List.of(0), ""));
    Node a = Input.named("a", 16);
    Node b = Input.named("b", 16);
    Node sum = Add.of().apply(Dense.of(8).apply(a), Dense.of(8).apply(b));
    Node joined = Concatenate.of().apply(sum, a);
    out.add(new Case("merge", Functional.of(List.of(a, b), List.of(Dense.of(2).apply(joined))), List.of(0, 0), ""));
    Node x = Input.of(8, 8, 3);
    Node folded = ActivationLayer.of(Activation.RELU).apply(BatchNormalization.of().apply(Conv2D.of(8, 3).apply(x)));
    Node flat = Flatten.of().apply(folded);
    Node standalone = BatchNormalization.of().apply(Dense.of(12, Activation.RELU).apply(flat));
    out.add(new Case("batchnorm", Functional.of(x, Dense.of(3).apply(standalone)), List.of(0), ""));
    // MobileNet/EfficientNet block: convolutions without bias, BN without scale (folded into the depthwise
    // conv) and without center, squeeze-and-excitation (keepdims pooling, Dense on (1, 1, c), broadcasting Multiply).
    Node m = Input.of(6, 6, 16);
    Node dw = ActivationLayer.of(Activation.RELU6).apply(BatchNormalization.of().scale(false).apply(
        DepthwiseConv2D.of(3).padding(Padding.SAME).useBias(false).apply(m)));
    Node sep = BatchNormalization.of().center(false).apply(SeparableConv2D.of(8, 3).useBias(false).apply(dw));
    Node excite = Dense.of(8, Activation.SIGMOID).apply(Dense.of(4, Activation.RELU).apply(
        GlobalAveragePooling2D.of().keepDims(true).apply(sep)));
    Node se = dev.topiary.dsl.layers.merging.Multiply.of().apply(sep, excite);
    out.add(new Case("mobile_block", Functional.of(m, Dense.of(3).apply(GlobalAveragePooling2D.of().apply(se))),
        List.of(0), ""));
    // ConvNeXt's per-channel convolution: a grouped convolution with one channel per group is written as a
    // depthwise one (multiplier 2, unequal strides; then multiplier 1 with dilation).
    out.add(new Case("grouped", Sequential.of(Input.of(9, 9, 8), GroupedConv2D.of(16, 8, 3, 3).strides(2, 1)
        .padding(Padding.SAME).activation(Activation.RELU), GroupedConv2D.of(16, 16, 3, 3).dilation(2),
        GlobalAveragePooling2D.of(), Dense.of(3)), List.of(0), ""));
    out.add(new Case("embedding", Sequential.of(Input.of(6), Embedding.of(1200, 8), Flatten.of(), Dense.of(2)),
        List.of(1200), ""));
    out.add(new Case("activations", Sequential.of(Input.of(8), Dense.of(8, Activation.GELU), Dense.of(8, Activation.ELU),
        Dense.of(8, Activation.SWISH), Dense.of(4), ActivationLayer.of(Activation.EXPONENTIAL),
        ActivationLayer.of(Activation.SIGMOID)), List.of(0), ""));
    out.add(new Case("blocks_1x4", Sequential.of(Input.of(10, 8), Dense.of(64), GlobalAveragePooling1D.of(),
        Dense.of(12, Activation.RELU)), List.of(0), "dense_1_kernel"));
    // Attention: self-attention (4 heads of 8, kernels of 1,024 weights: int8 in the int8 flavours), then
    // cross attention with the value and the key from two other sequences (of a third width), rank-3 Dense.
    Node text = Input.named("text", 6, 32);
    Node memory = Input.named("memory", 5, 16);
    Node keys = Input.named("keys", 5, 12);
    Node self = MultiHeadAttention.of(4, 8).apply(text);
    Node cross = MultiHeadAttention.of(2, 3).apply(Dense.of(10, Activation.GELU).apply(self), memory, keys);
    out.add(new Case("attention", Functional.of(List.of(text, memory, keys),
        List.of(Dense.of(3).apply(GlobalAveragePooling1D.of().apply(cross)))), List.of(0, 0, 0), ""));
    // A decoder's causal self-attention, and causal cross attention from 6 query steps to 5 memory steps.
    Node tokens = Input.named("tokens", 6, 8);
    Node past = Input.named("past", 5, 8);
    Node causal = MultiHeadAttention.of(2, 4).causal(true).apply(tokens, tokens);
    out.add(new Case("causal_attention", Functional.of(List.of(tokens, past),
        List.of(MultiHeadAttention.of(1, 4).causal(true).apply(causal, past))), List.of(0, 0), ""));
    // Sequence-returning LSTMs (recurrent kernels of 1,024 weights: int8 in the int8 flavours), one backwards,
    // then a Dense on every step; and after a mask_zero Embedding (ids 0-4: about one step in five padding)
    // the mask going on through two sequence-returning LSTMs into one returning its last output.
    out.add(new Case("lstm_sequences", Sequential.of(Input.of(5, 6), LSTM.of(16).returnSequences(true),
        LSTM.of(8).returnSequences(true).goBackwards(true), Dense.of(3)), List.of(0), ""));
    out.add(new Case("lstm_masked_sequences", Sequential.of(Input.of(7), Embedding.of(5, 8).maskZero(true),
        LSTM.of(16).returnSequences(true), LSTM.of(6).returnSequences(true).goBackwards(true), LSTM.of(4),
        Dense.of(2)), List.of(5), ""));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyFlavourReproducesTheModel(Case c, @TempDir Path temp) throws IOException {
    String keep = System.getProperty("topiary.tflite.dir");
    Path root = keep == null || keep.isBlank() ? temp : Path.of(keep);
    Files.createDirectories(root);
    try (Model model = c.spec().compile(COMPILE); Model copy = c.spec().compile(COMPILE)) {
      model.setWeights(prunedByHand(model.weights(), c.blockKernel()));
      List<HostArray> inputs = inputs(c, 8);
      for (TfliteFlavour flavour : TfliteFlavour.values()) {
        byte[] bytes = TfliteExport.bytes(model, flavour);
        TfliteFile f = TfliteFile.parse(bytes, c.name());
        assertThat(f.inputNames()).hasSize(c.spec().inputs().size());
        copy.setWeights(TfliteWeights.read(f, c.spec()));
        List<HostArray> expected = model.predict(inputs, 8);
        List<HostArray> actual = copy.predict(inputs, 8);
        boolean quantised = f.tensors().stream().anyMatch(TfliteFile.Tensor::isInt8);
        for (int o = 0; o < expected.size(); o++) {
          float[] e = expected.get(o).floats();
          float[] a2 = actual.get(o).floats();
          for (int i = 0; i < e.length; i++) {
            assertThat(a2[i]).as("%s %s output %d[%d]", c.name(), flavour, o, i)
                .isCloseTo(e[i], org.assertj.core.data.Offset.offset(quantised ? 0.05f + 0.05f * Math.abs(e[i]) : 2e-5f));
          }
        }
        if (c.name().equals("blocks_1x4") && flavour == TfliteFlavour.SPARSE) {
          TfliteFile.Tensor t = f.tensor("dense_1_kernel").orElseThrow();
          assertThat(t.sparsity().blockMap()).containsExactly(1);
        }
        if (c.name().equals("attention")) { // the pruned projections keep their zeros / go int8 as a Dense kernel
          for (String k : List.of("query", "key", "value", "output")) {
            TfliteFile.Tensor t = f.tensor("multi_head_attention_" + k + "_kernel").orElseThrow();
            assertThat(t.sparsity() != null).as("%s %s kernel stored sparse", flavour, k).isEqualTo(flavour == TfliteFlavour.SPARSE);
            assertThat(t.isInt8()).as("%s %s kernel int8", flavour, k).isEqualTo(flavour.int8());
          }
        }
        String file = "layers_" + c.name() + "_" + flavour.name().toLowerCase(Locale.ROOT) + ".tflite";
        Files.write(root.resolve(file), bytes);
        Files.writeString(root.resolve(file + ".json"), json(c.spec(), inputs, actual));
      }
    }
  }

  /**
   * Every weight drawn here, in Java (so the same on every CPU: the committed interpreter fixtures
   * depend on it), kernels and embeddings Glorot-uniform with about 4 in 5 entries zero;
   * {@code blockKernel} in blocks of 4 inputs.
   */
  static Map<String, HostArray> prunedByHand(Map<String, HostArray> weights, String blockKernel) {
    Random r = new Random(3);
    Map<String, HostArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, HostArray> e : weights.entrySet()) {
      float[] v = e.getValue().floats().clone();
      String name = e.getKey();
      long[] shape = e.getValue().shape();
      if (name.endsWith("kernel") || name.endsWith("embeddings")) {
        long fanOut = shape[shape.length - 1];
        double limit = Math.sqrt(6.0 / (v.length / (double) fanOut + fanOut));
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) ((2 * r.nextDouble() - 1) * limit);
        }
      }
      if (name.equals(blockKernel)) {
        long[] s = e.getValue().shape(); // [in, out]: zero 4 consecutive inputs of one output together
        for (int o = 0; o < s[1]; o++) {
          for (int i0 = 0; i0 < s[0]; i0 += 4) {
            boolean zero = r.nextInt(5) != 0;
            for (int i = i0; i < i0 + 4; i++) {
              if (zero) {
                v[(int) (i * s[1] + o)] = 0;
              }
            }
          }
        }
      } else if (name.endsWith("kernel") || name.endsWith("embeddings")) {
        for (int i = 0; i < v.length; i++) {
          if (r.nextInt(5) != 0) {
            v[i] = 0;
          }
        }
      } else if (name.contains("batch_normalization")) {
        for (int i = 0; i < v.length; i++) {
          v[i] = name.endsWith("variance") ? 0.5f + r.nextFloat() : r.nextFloat() - 0.5f;
        }
      } else if (name.endsWith("bias")) {
        for (int i = 0; i < v.length; i++) {
          v[i] = (r.nextFloat() - 0.5f) * 0.2f;
        }
      }
      out.put(name, HostArray.of(v, e.getValue().shape()));
    }
    return out;
  }

  static List<HostArray> inputs(Case c, int n) {
    Random r = new Random(17);
    List<HostArray> out = new ArrayList<>();
    for (int k = 0; k < c.spec().inputs().size(); k++) {
      long[] dims = c.spec().inputs().get(k).shape().asArray();
      long size = n;
      for (int d = 1; d < dims.length; d++) {
        size *= dims[d];
      }
      float[] v = new float[(int) size];
      for (int i = 0; i < v.length; i++) {
        v[i] = c.intBounds().get(k) > 0 ? r.nextInt(c.intBounds().get(k)) : r.nextFloat();
      }
      dims[0] = n;
      out.add(HostArray.of(v, dims));
    }
    return out;
  }

  static String json(ModelSpec spec, List<HostArray> inputs, List<HostArray> outputs) {
    Map<String, HostArray> in = new LinkedHashMap<>();
    for (int k = 0; k < inputs.size(); k++) {
      in.put(spec.inputName(spec.inputs().get(k)), inputs.get(k));
    }
    Map<String, HostArray> out = new HashMap<>();
    for (int o = 0; o < outputs.size(); o++) {
      out.put(spec.outputName(o), outputs.get(o));
    }
    return "{\"inputs\": " + arrays(in) + ",\n \"outputs\": " + arrays(out) + "}\n";
  }

  private static String arrays(Map<String, HostArray> m) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, HostArray> e : m.entrySet()) {
      StringBuilder b = new StringBuilder("\"" + e.getKey() + "\": {\"shape\": ")
          .append(java.util.Arrays.toString(e.getValue().shape())).append(", \"values\": [");
      float[] v = e.getValue().floats();
      for (int i = 0; i < v.length; i++) {
        b.append(i == 0 ? "" : ", ").append(v[i]);
      }
      parts.add(b.append("]}").toString());
    }
    return "{" + String.join(", ", parts) + "}";
  }
}
