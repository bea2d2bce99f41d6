package dev.topiary.dsl;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BuiltInLayers;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.attention.AdditiveAttention;
import dev.topiary.dsl.layers.attention.Attention;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.convolution.Conv1D;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.Conv2DTranspose;
import dev.topiary.dsl.layers.convolution.Conv3D;
import dev.topiary.dsl.layers.convolution.Conv3DTranspose;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.GroupedConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv1D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.activations.ELU;
import dev.topiary.dsl.layers.activations.LeakyReLU;
import dev.topiary.dsl.layers.activations.PReLU;
import dev.topiary.dsl.layers.activations.ReLU;
import dev.topiary.dsl.layers.activations.Softmax;
import dev.topiary.dsl.layers.core.GaussianDropout;
import dev.topiary.dsl.layers.core.GaussianNoise;
import dev.topiary.dsl.layers.core.LayerScale;
import dev.topiary.dsl.layers.core.SpatialDropout1D;
import dev.topiary.dsl.layers.core.SpatialDropout2D;
import dev.topiary.dsl.layers.core.SpatialDropout3D;
import dev.topiary.dsl.layers.preprocessing.Normalization;
import dev.topiary.dsl.layers.preprocessing.Rescaling;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Average;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.merging.Dot;
import dev.topiary.dsl.layers.merging.Maximum;
import dev.topiary.dsl.layers.merging.Minimum;
import dev.topiary.dsl.layers.merging.Multiply;
import dev.topiary.dsl.layers.merging.Subtract;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.normalization.LayerNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling1D;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.AveragePooling3D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling3D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling2D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling3D;
import dev.topiary.dsl.layers.pooling.MaxPooling1D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling3D;
import dev.topiary.dsl.layers.recurrent.Bidirectional;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.recurrent.SimpleRNN;
import dev.topiary.dsl.layers.recurrent.TimeDistributed;
import dev.topiary.dsl.layers.reshaping.Cropping1D;
import dev.topiary.dsl.layers.reshaping.Cropping2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Permute;
import dev.topiary.dsl.layers.reshaping.RepeatVector;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.layers.reshaping.UpSampling1D;
import dev.topiary.dsl.layers.reshaping.UpSampling2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding1D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding3D;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One small model per built-in layer type, the fixture of the layer contract (config round trip,
 * graph = eager, gradient check, exact pruning) and of the config round trip over every layer. A new
 * layer type registered in {@link BuiltInLayers} without an example here fails {@link #missing()}'s
 * checks, so no layer skips the contract.
 *
 * <p>Each model is tiny and ends in a Dense head where the layer's output is not (batch, n); inputs and
 * labels are Gaussian (token ids for Embedding), the loss mean squared error. The layer under test is
 * the model's first layer of that type. Layers with weights avoid max operations on their path, where
 * a numeric gradient's probe may jump.
 */
public final class LayerExamples {
  /** Examples per batch: two training steps of {@link #BATCH}. */
  public static final int EXAMPLES = 8;
  public static final int BATCH = 4;

  /** A model exercising layer type {@code type}, with data to train and predict. */
  public record Example(String type, ModelSpec spec, List<HostArray> inputs, HostArray labels) {
    /** The layer under test: the model's first layer of {@link #type}. */
    public Layer layer() {
      return spec.layers().stream().filter(l -> l.typeName().equals(type)).findFirst()
          .orElseThrow(() -> new AssertionError("the example for " + type + " has no " + type + " layer"));
    }

    @Override
    public String toString() {
      return type;
    }
  }

  private static final Map<String, Example> EXAMPLES_BY_TYPE = build();

  private LayerExamples() {}

  /** Every example, in the order of {@link BuiltInLayers#codecs()}. */
  public static List<Example> all() {
    List<Example> out = new ArrayList<>();
    for (LayerType<?> codec : BuiltInLayers.codecs()) {
      Example e = EXAMPLES_BY_TYPE.get(codec.typeName());
      if (e != null) {
        out.add(e);
      }
    }
    return out;
  }

  /** Built-in layer types without an example (must be empty). */
  public static Set<String> missing() {
    return BuiltInLayers.codecs().stream().map(LayerType::typeName).filter(t -> !EXAMPLES_BY_TYPE.containsKey(t))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Examples for types that are not built in (must be empty: a stale entry). */
  public static Set<String> unknown() {
    Set<String> builtIn = BuiltInLayers.codecs().stream().map(LayerType::typeName).collect(Collectors.toSet());
    return EXAMPLES_BY_TYPE.keySet().stream().filter(t -> !builtIn.contains(t)).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Map<String, Example> build() {
    Map<String, Example> m = new LinkedHashMap<>();
    // core
    add(m, seq("Dense", 5, Dense.of(3, Activation.TANH)));
    add(m, seq("Activation", 5, ActivationLayer.of(Activation.TANH), Dense.of(2)));
    add(m, seq("Dropout", 5, Dropout.of(0.3), Dense.of(2)));
    // activations
    add(m, seq("ReLU", 5, ReLU.of().maxValue(0.8).negativeSlope(0.1).threshold(0.3), Dense.of(2)));
    add(m, seq("Softmax", new long[] {3, 4}, Softmax.of().axis(1), Flatten.of(), Dense.of(2)));
    add(m, seq("LeakyReLU", 5, LeakyReLU.of(0.2), Dense.of(2)));
    add(m, seq("ELU", 5, ELU.of(0.5), Dense.of(2)));
    add(m, seq("PReLU", new long[] {3, 4}, Dense.of(4), PReLU.of().sharedAxes(1), Flatten.of(), Dense.of(2)));
    // regularization (identity at inference) and ConvNeXt's LayerScale
    add(m, seq("SpatialDropout1D", new long[] {4, 3}, SpatialDropout1D.of(0.3), Flatten.of(), Dense.of(2)));
    add(m, seq("SpatialDropout2D", new long[] {3, 3, 2}, SpatialDropout2D.of(0.3), Flatten.of(), Dense.of(2)));
    add(m, seq("SpatialDropout3D", new long[] {2, 2, 2, 2}, SpatialDropout3D.of(0.3), Flatten.of(), Dense.of(2)));
    add(m, seq("GaussianNoise", 5, GaussianNoise.of(0.1), Dense.of(2)));
    add(m, seq("GaussianDropout", 5, GaussianDropout.of(0.2), Dense.of(2)));
    add(m, seq("LayerScale", 5, Dense.of(4), LayerScale.of(0.5, 4), Dense.of(2)));
    // preprocessing
    add(m, seq("Rescaling", new long[] {2, 3}, Rescaling.perChannel(new float[] {0.5f, 2f, -1f}, new float[] {0.1f, 0f, -0.2f}),
        Flatten.of(), Dense.of(2)));
    add(m, seq("Normalization", new long[] {2, 3}, Normalization.adapted(), Flatten.of(), Dense.of(2)));
    add(m, new Example("Embedding", Sequential.of(Input.of(5), Embedding.of(7, 3), Flatten.of(), Dense.of(2)),
        List.of(tokens(5, 7)), TestData.gaussian(99, EXAMPLES, 2)));
    // convolution
    add(m, seq("Conv1D", new long[] {6, 3}, Conv1D.of(4, 3).activation(Activation.TANH), Flatten.of(), Dense.of(2)));
    add(m, seq("Conv2D", new long[] {5, 5, 2}, Conv2D.of(3, 3).activation(Activation.TANH), Flatten.of(), Dense.of(2)));
    // one channel per group (ConvNeXt's depthwise form), 2 filters each
    add(m, seq("GroupedConv2D", new long[] {5, 5, 2}, GroupedConv2D.of(4, 2, 3, 3).activation(Activation.TANH),
        Flatten.of(), Dense.of(2)));
    add(m, seq("Conv3D", new long[] {4, 4, 4, 2}, Conv3D.of(2, 3).activation(Activation.TANH), Flatten.of(), Dense.of(2)));
    add(m, seq("Conv2DTranspose", new long[] {3, 3, 2}, Conv2DTranspose.of(2, 2).strides(2), Flatten.of(), Dense.of(2)));
    add(m, seq("Conv3DTranspose", new long[] {2, 2, 2, 2}, Conv3DTranspose.of(2, 2).strides(2), Flatten.of(),
        Dense.of(2)));
    add(m, seq("DepthwiseConv2D", new long[] {5, 5, 2}, DepthwiseConv2D.of(3).depthMultiplier(2).pruneDepthwiseKernel(),
        Flatten.of(), Dense.of(2)));
    add(m, seq("SeparableConv1D", new long[] {6, 3}, SeparableConv1D.of(4, 3), Flatten.of(), Dense.of(2)));
    add(m, seq("SeparableConv2D", new long[] {5, 5, 2}, SeparableConv2D.of(3, 3), Flatten.of(), Dense.of(2)));
    // pooling
    add(m, seq("MaxPooling1D", new long[] {6, 3}, MaxPooling1D.of(2), Flatten.of(), Dense.of(2)));
    add(m, seq("AveragePooling1D", new long[] {6, 3}, AveragePooling1D.of(2), Flatten.of(), Dense.of(2)));
    add(m, seq("MaxPooling2D", new long[] {4, 4, 2}, MaxPooling2D.of(2), Flatten.of(), Dense.of(2)));
    add(m, seq("AveragePooling2D", new long[] {5, 5, 2}, AveragePooling2D.of(2).strides(1, 2), Flatten.of(),
        Dense.of(2)));
    add(m, seq("MaxPooling3D", new long[] {4, 4, 4, 2}, MaxPooling3D.of(2), Flatten.of(), Dense.of(2)));
    add(m, seq("AveragePooling3D", new long[] {4, 4, 4, 2}, AveragePooling3D.of(2), Flatten.of(), Dense.of(2)));
    add(m, seq("GlobalAveragePooling1D", new long[] {6, 3}, GlobalAveragePooling1D.of(), Dense.of(2)));
    add(m, seq("GlobalMaxPooling1D", new long[] {6, 3}, GlobalMaxPooling1D.of(), Dense.of(2)));
    add(m, seq("GlobalAveragePooling2D", new long[] {4, 4, 2}, GlobalAveragePooling2D.of(), Dense.of(2)));
    add(m, seq("GlobalMaxPooling2D", new long[] {4, 4, 2}, GlobalMaxPooling2D.of(), Dense.of(2)));
    add(m, seq("GlobalAveragePooling3D", new long[] {3, 3, 3, 2}, GlobalAveragePooling3D.of(), Dense.of(2)));
    add(m, seq("GlobalMaxPooling3D", new long[] {3, 3, 3, 2}, GlobalMaxPooling3D.of(), Dense.of(2)));
    // recurrent
    add(m, seq("SimpleRNN", new long[] {5, 3}, SimpleRNN.of(4), Dense.of(2)));
    add(m, seq("LSTM", new long[] {5, 3}, LSTM.of(4), Dense.of(2)));
    add(m, seq("GRU", new long[] {5, 3}, GRU.of(4).returnSequences(true), Flatten.of(), Dense.of(2)));
    add(m, seq("Bidirectional", new long[] {5, 3}, Bidirectional.of(LSTM.of(3)), Dense.of(2)));
    add(m, seq("TimeDistributed", new long[] {4, 3}, TimeDistributed.of(Dense.of(2, Activation.TANH)), Flatten.of(),
        Dense.of(2)));
    // attention
    Node query = Input.named("query", 4, 6);
    Node value = Input.named("value", 5, 3);
    add(m, functional("MultiHeadAttention", List.of(query, value),
        Dense.of(2).apply(Flatten.of().apply(MultiHeadAttention.of(2, 3).apply(query, value)))));
    // normalization
    add(m, seq("BatchNormalization", 5, Dense.of(4), BatchNormalization.of(), Dense.of(2)));
    add(m, seq("LayerNormalization", 5, Dense.of(6, Activation.TANH), LayerNormalization.of(), Dense.of(2)));
    // reshaping
    add(m, seq("Flatten", new long[] {3, 2}, Flatten.of(), Dense.of(2)));
    add(m, seq("Reshape", 12, Reshape.of(3, -1), Flatten.of(), Dense.of(2)));
    add(m, seq("Permute", new long[] {4, 2}, Permute.of(2, 1), Flatten.of(), Dense.of(2)));
    add(m, seq("RepeatVector", 3, RepeatVector.of(2), Flatten.of(), Dense.of(2)));
    // After a trained layer, so fitting builds the gradient through the crop (TF's Slice gradient wants int32).
    add(m, seq("Cropping1D", new long[] {6, 2}, Dense.of(2), Cropping1D.of(1, 2), Flatten.of(), Dense.of(2)));
    add(m, seq("Cropping2D", new long[] {5, 5, 2}, Conv2D.of(2, 1), Cropping2D.of(1, 0, 0, 2), Flatten.of(), Dense.of(2)));
    add(m, seq("ZeroPadding1D", new long[] {4, 2}, ZeroPadding1D.of(1, 2), Flatten.of(), Dense.of(2)));
    add(m, seq("ZeroPadding2D", new long[] {3, 3, 2}, ZeroPadding2D.of(1, 0, 2, 1), Flatten.of(), Dense.of(2)));
    add(m, seq("ZeroPadding3D", new long[] {2, 2, 2, 1}, ZeroPadding3D.of(1), Flatten.of(), Dense.of(2)));
    add(m, seq("UpSampling1D", new long[] {3, 2}, UpSampling1D.of(2), Flatten.of(), Dense.of(2)));
    add(m, seq("UpSampling2D", new long[] {2, 2, 2}, UpSampling2D.of(2, 3), Flatten.of(), Dense.of(2)));
    // merging
    add(m, merge("Add", Add.of()));
    add(m, merge("Multiply", Multiply.of()));
    add(m, merge("Subtract", Subtract.of()));
    add(m, merge("Average", Average.of()));
    add(m, merge("Maximum", Maximum.of()));
    add(m, merge("Minimum", Minimum.of()));
    Node a = Input.named("a", 4);
    Node b = Input.named("b", 3);
    Node shortcut = Input.named("shortcut", 4);
    Node residual = Input.named("residual", 4);
    add(m, functional("CustomScaleLayer", List.of(shortcut, residual),
        Dense.of(2).apply(dev.topiary.dsl.layers.merging.CustomScaleLayer.of(0.17).apply(shortcut, residual))));
    add(m, functional("Concatenate", List.of(a, b), Dense.of(2).apply(Concatenate.of().apply(a, b))));
    Node s = Input.named("s", 2, 3);
    Node t = Input.named("t", 4, 3);
    add(m, functional("Dot", List.of(s, t), Dense.of(2).apply(Flatten.of().apply(Dot.of().apply(s, t)))));
    Node aq = Input.named("aq", 2, 3);
    Node av = Input.named("av", 4, 5);
    Node ak = Input.named("ak", 4, 3);
    add(m, functional("Attention", List.of(aq, av, ak), Dense.of(2).apply(Flatten.of().apply(
        Attention.of().apply(aq, av, ak)))));
    Node bv = Input.named("bv", 4, 3);
    add(m, functional("AdditiveAttention", List.of(aq, bv), Dense.of(2).apply(Flatten.of().apply(
        AdditiveAttention.of().apply(aq, bv)))));
    return m;
  }

  private static void add(Map<String, Example> m, Example e) {
    if (m.put(e.type(), e) != null) {
      throw new IllegalStateException("two examples for " + e.type());
    }
    e.layer(); // fails early if the model lacks the layer
  }

  private static Example seq(String type, long features, Layer... layers) {
    return seq(type, new long[] {features}, layers);
  }

  private static Example seq(String type, long[] shape, Layer... layers) {
    return functional(type, Sequential.of(Input.of(shape), layers));
  }

  private static Example merge(String type, Layer merge) {
    Node a = Input.named("a", 4);
    Node b = Input.named("b", 4);
    return functional(type, List.of(a, b), Dense.of(2).apply(merge.apply(a, b)));
  }

  private static Example functional(String type, List<Node> inputs, Node output) {
    return functional(type, Functional.of(inputs, List.of(output)));
  }

  /** Gaussian inputs for every model input and Gaussian labels of the output's shape. */
  private static Example functional(String type, ModelSpec spec) {
    List<HostArray> x = new ArrayList<>();
    long seed = type.hashCode();
    for (Node in : spec.inputs()) {
      x.add(TestData.gaussian(seed++, withBatch(in.shape().asArray())));
    }
    return new Example(type, spec, x, TestData.gaussian(seed, withBatch(spec.outputs().get(0).shape().asArray())));
  }

  private static long[] withBatch(long[] shape) {
    long[] out = shape.clone();
    out[0] = EXAMPLES;
    return out;
  }

  private static HostArray tokens(int steps, int vocabulary) {
    return RecurrentLayersTest.tokens(3, EXAMPLES, steps, vocabulary);
  }
}
