package dev.topiary.sparse.layers;

import dev.topiary.dsl.config.ConfigRegistry;
import dev.topiary.dsl.layers.LoweredLayer;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.convolution.BaseDepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.GroupedConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.BasePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.recurrent.Recurrent;
import dev.topiary.dsl.layers.recurrent.SimpleRNN;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Which layers a sparse model can run, each by its exact class (a subclass may compute something else,
 * so it needs its own entry). Open: a user's layer brings its translation on its registered layer type.
 */
public final class SparseLayers {
  private static final Map<Class<?>, LayerTranslator<?>> TRANSLATORS = new ConcurrentHashMap<>();

  static {
    register(Dense.class, (l, in, out, w) -> dense(l, in, w, own(l.useBias(), l.activation(), w)));
    register(Embedding.class, (l, in, out, w) -> new EmbeddingOp(w.layerName(),
        w.table("embeddings", l.inputDim(), l.outputDim()), l.maskZero()));
    register(LSTM.class, (l, in, out, w) -> recurrent(RecurrentOp.Cell.LSTM, l, in, w));
    register(GRU.class, (l, in, out, w) -> recurrent(RecurrentOp.Cell.GRU, l, in, w));
    register(SimpleRNN.class, (l, in, out, w) -> recurrent(RecurrentOp.Cell.SIMPLE, l, in, w));
    register(Conv2D.class, (l, in, out, w) -> conv2d(l, in, out, w, own(l.useBias(), l.activation(), w)));
    register(DepthwiseConv2D.class, (l, in, out, w) -> depthwise(l, in, out, w, own(l.useBias(), l.activation(), w)));
    register(SeparableConv2D.class, (l, in, out, w) -> depthwise(l, in, out, w, own(l.useBias(), l.activation(), w)));
    register(GroupedConv2D.class, SparseLayers::groupedConv);
    register(MultiHeadAttention.class, SparseLayers::attention);
    register(MaxPooling2D.class, (l, in, out, w) -> pool(true, l, in.get(0)));
    register(AveragePooling2D.class, (l, in, out, w) -> pool(false, l, in.get(0)));
    register(GlobalAveragePooling1D.class, (l, in, out, w) -> new GlobalPooling1DOp(false, out));
    register(GlobalMaxPooling1D.class, (l, in, out, w) -> new GlobalPooling1DOp(true, out));
    register(Flatten.class, (l, in, out, w) -> ShapeOps.reshape(out, false));
    register(Reshape.class, (l, in, out, w) -> ShapeOps.reshape(out, false));
    register(Dropout.class, (l, in, out, w) -> ShapeOps.reshape(out, true));
    register(ActivationLayer.class, (l, in, out, w) -> ShapeOps.activation(l.activation()));
  }

  private SparseLayers() {}

  /**
   * The runtime's own translations of built-in layers. A user's layer brings its translation as a part of its
   * registered {@link dev.topiary.dsl.layers.LayerType} ({@code .with(LayerTranslator.class, ...)}), or none
   * at all when it is a {@link LoweredLayer}.
   */
  private static <L extends Layer> void register(Class<L> type, LayerTranslator<L> translator) {
    TRANSLATORS.put(type, translator);
  }

  /**
   * The translation of {@code layer}'s exact class: the sparse runtime's own (the layers with kernels it
   * runs in its sparse formats, and the shape-only ones), else its registered {@link
   * dev.topiary.dsl.layers.LayerType}'s {@link LayerTranslator} part, else, for a {@link LoweredLayer}, its
   * lowering run in plain Java; null if none.
   */
  @SuppressWarnings("unchecked")
  public static <L extends Layer> @Nullable LayerTranslator<L> translator(L layer) {
    LayerTranslator<L> own = (LayerTranslator<L>) TRANSLATORS.get(layer.getClass());
    if (own != null) {
      return own;
    }
    LayerTranslator<?> part = ConfigRegistry.layerType(layer.getClass()).flatMap(t -> t.part(LayerTranslator.class))
        .orElse(null);
    if (part != null) {
      return (LayerTranslator<L>) part;
    }
    if (layer instanceof LoweredLayer) {
      return (l, in, out, w) -> LoweredOps.translate((LoweredLayer) l, in, out, w);
    }
    return null;
  }

  /** Whether layers of exactly {@code type} have a translation of the runtime's own. */
  public static boolean hasOwnTranslation(Class<?> type) {
    return TRANSLATORS.containsKey(type);
  }

  /** The simple names of the supported layer classes, sorted: the runtime's own, registered parts, lowered layers. */
  public static List<String> supported() {
    java.util.SortedSet<String> names = new java.util.TreeSet<>();
    TRANSLATORS.keySet().forEach(c -> names.add(c.getSimpleName()));
    for (dev.topiary.dsl.layers.LayerType<?> t : ConfigRegistry.registeredLayerTypes()) {
      if (t.lowered() || t.part(LayerTranslator.class).isPresent()) {
        names.add(t.type().getSimpleName());
      }
    }
    return List.copyOf(names);
  }

  /** Rows one example multiplies: the product of every axis but the last. */
  private static int rowsPerExample(int[] shape) {
    int n = 1;
    for (int i = 0; i < shape.length - 1; i++) {
      n *= shape[i];
    }
    return n;
  }

  private static RecurrentOp recurrent(RecurrentOp.Cell cell, Recurrent<?> l, List<int[]> in, Weights w) {
    int features = in.get(0)[1];
    int units = l.units();
    int g = (cell == RecurrentOp.Cell.LSTM ? 4 : cell == RecurrentOp.Cell.GRU ? 3 : 1) * units;
    float[] bias = w.values("bias");
    float[] inputBias = cell == RecurrentOp.Cell.GRU ? Arrays.copyOfRange(bias, 0, g) : bias;
    float[] recurrentBias = cell == RecurrentOp.Cell.GRU ? Arrays.copyOfRange(bias, g, 2 * g) : null;
    return new RecurrentOp(cell, units, w.stepMatrix("kernel", features, g), w.stepMatrix("recurrent_kernel", units, g),
        inputBias, recurrentBias, l.returnsSequences(), l.goesBackwards(), l.returnsState());
  }

  /** Inputs query[, value[, key]] as the layer takes them; kernels {@code [features, heads, keyDim]} read as matrices. */
  private static AttentionOp attention(MultiHeadAttention l, List<int[]> in, int[] out, Weights w) {
    int heads = l.numHeads();
    int keyDim = l.keyDim();
    int[] q = in.get(0);
    int[] v = in.size() > 1 ? in.get(1) : q;
    int[] k = in.size() > 2 ? in.get(2) : v;
    int hd = heads * keyDim;
    return new AttentionOp(heads, keyDim, l.causal(),
        w.matrix("query_kernel", q[1], hd, q[0]), w.values("query_bias"),
        w.matrix("key_kernel", k[1], hd, k[0]), w.values("key_bias"),
        w.matrix("value_kernel", v[1], hd, v[0]), w.values("value_bias"),
        w.matrix("output_kernel", hd, q[1], q[0]), w.values("output_bias"));
  }

  /** A layer's own bias (if it has one) and activation. */
  private static Epilogue own(boolean useBias, Activation activation, Weights w) {
    return Epilogue.of(useBias ? w.values("bias") : null, activation);
  }

  /**
   * The op of {@code layer} (a Conv2D, DepthwiseConv2D, SeparableConv2D or Dense of exactly these classes,
   * with a linear activation) with what follows it folded in: {@code activation(z * scale + shift)} of its
   * output {@code z} (bias included), {@code scale} and {@code shift} null for none (a batch normalization
   * at inference is {@code gamma / sqrt(variance + epsilon)} and {@code beta - mean * scale}). Null if the
   * layer is not one of these.
   */
  public static @Nullable LayerOp fused(Layer layer, List<int[]> in, int[] out, Weights w, float @Nullable [] scale,
      float @Nullable [] shift, Activation activation) {
    if (!fusable(layer)) {
      return null;
    }
    Epilogue e = epilogue(layer, w, scale, shift, activation);
    if (layer instanceof Conv2D c) {
      return conv2d(c, in, out, w, e);
    }
    if (layer instanceof Dense d) {
      return dense(d, in, w, e);
    }
    return depthwise((BaseDepthwiseConv2D<?>) layer, in, out, w, e);
  }

  /**
   * What follows the product of {@code layer} (a {@link #fusable} one): its bias (if it has one) times
   * {@code scale}, plus {@code shift}, then {@code activation}.
   */
  public static Epilogue epilogue(Layer layer, Weights w, float @Nullable [] scale, float @Nullable [] shift,
      Activation activation) {
    boolean useBias = layer instanceof Conv2D c ? c.useBias() : layer instanceof Dense d ? d.useBias()
        : ((BaseDepthwiseConv2D<?>) layer).useBias();
    float[] bias = useBias ? w.values("bias") : null;
    float[] combined = shift;
    if (bias != null) {
      combined = new float[bias.length];
      for (int j = 0; j < bias.length; j++) {
        combined[j] = (scale == null ? bias[j] : bias[j] * scale[j]) + (shift == null ? 0f : shift[j]);
      }
    }
    return new Epilogue(scale, combined, activation);
  }

  /** Whether {@link #fused} takes {@code layer}: one of its classes exactly, with a linear activation. */
  public static boolean fusable(Layer layer) {
    Class<?> c = layer.getClass();
    Activation a = layer instanceof Conv2D v ? v.activation() : layer instanceof Dense d ? d.activation()
        : layer instanceof BaseDepthwiseConv2D<?> b ? b.activation() : null;
    return (c == Conv2D.class || c == Dense.class || c == DepthwiseConv2D.class || c == SeparableConv2D.class)
        && a == Activation.LINEAR;
  }

  private static DenseOp dense(Dense l, List<int[]> in, Weights w, Epilogue e) {
    int features = in.get(0)[in.get(0).length - 1];
    return new DenseOp(w.matrix("kernel", features, l.units(), rowsPerExample(in.get(0))), e);
  }

  private static Conv2DOp conv2d(Conv2D l, List<int[]> in, int[] out, Weights w, Epilogue e) {
    int kh = l.kernelHeight();
    int kw = l.kernelWidth();
    int cin = in.get(0)[2];
    return new Conv2DOp(w.matrix("kernel", kh * kw * cin, l.filters(), out[0] * out[1]), e, in.get(0), kh, kw,
        l.strideRows(), l.strideCols(), l.dilation(), l.padding() == Padding.SAME);
  }

  private static DepthwiseConv2DOp depthwise(BaseDepthwiseConv2D<?> l, List<int[]> in, int[] out, Weights w,
      Epilogue e) {
    WeightMatrix pointwise = l instanceof SeparableConv2D s
        ? w.matrix("pointwise_kernel", in.get(0)[2] * l.depthMultiplier(), s.filters(), out[0] * out[1]) : null;
    return new DepthwiseConv2DOp(w.values("depthwise_kernel"), pointwise, e, in.get(0), l.kernelSize(),
        l.depthMultiplier(), l.strides(), l.padding() == Padding.SAME);
  }

  /**
   * A grouped convolution with one channel per group (ConvNeXt's 7x7) runs as a depthwise convolution with
   * multiplier {@code filters / channels}: its kernel {@code [kh, kw, 1, filters]} is the depthwise kernel
   * {@code [kh, kw, channels, m]} (filter {@code c * m + j} in both). Other groupings, and windows the depthwise
   * op does not take (not square, unequal strides, dilation), are refused naming the layer.
   */
  private static DepthwiseConv2DOp groupedConv(GroupedConv2D l, List<int[]> in, int[] out, Weights w) {
    int channels = in.get(0)[2];
    if (channels != l.groups() || l.kernelHeight() != l.kernelWidth() || l.strideRows() != l.strideCols()
        || l.dilation() != 1) {
      throw new IllegalArgumentException("layer '" + w.layerName() + "' (GroupedConv2D, " + l.groups() + " groups over "
          + channels + " channels, " + l.kernelHeight() + "x" + l.kernelWidth() + " kernel, strides " + l.strideRows()
          + "x" + l.strideCols() + ", dilation " + l.dilation() + "): SparseModel runs a grouped convolution only with"
          + " one channel per group, a square kernel, equal strides and no dilation; run this model in TF");
    }
    return new DepthwiseConv2DOp(w.values("kernel"), null, own(l.useBias(), l.activation(), w), in.get(0), l.kernelHeight(), l.filters() / channels, l.strideRows(), l.padding() == Padding.SAME);
  }

  private static Pool2DOp pool(boolean max, BasePooling2D<?> l, int[] in) {
    return new Pool2DOp(max, in, l.poolRows(), l.poolCols(), l.strideRows(), l.strideCols(), l.padding() == Padding.SAME);
  }
}
