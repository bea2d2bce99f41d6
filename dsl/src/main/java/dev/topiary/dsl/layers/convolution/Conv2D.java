package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * 2-D convolution over channels-last input {@code (batch, height, width, channels)}. Kernel
 * {@code [kh, kw, in, filters]} (Glorot uniform), bias {@code [filters]} (zeros); Keras defaults:
 * strides 1, {@code valid} padding, no dilation, linear activation. Its kernel is prunable.
 */
public class Conv2D extends BaseLayer<Conv2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Conv2D> TYPE = LayerType.of("Conv2D", Conv2D.class, Conv2D::fromConfig);

  private final int filters;
  private final int kernelHeight;
  private final int kernelWidth;
  private final int strideRows;
  private final int strideCols;
  private final int dilation;
  private final Padding padding;
  private final Activation activation;
  private final boolean useBias;

  protected Conv2D(@Nullable String name, @Nullable PruningSpec pruning, int filters, int kernelHeight, int kernelWidth,
      int strideRows, int strideCols, int dilation, Padding padding, Activation activation, boolean useBias) {
    super(name, pruning);
    requirePositive("filters", filters);
    requirePositive("kernel height", kernelHeight);
    requirePositive("kernel width", kernelWidth);
    requirePositive("stride", Math.min(strideRows, strideCols));
    requirePositive("dilation", dilation);
    if (dilation > 1 && (strideRows > 1 || strideCols > 1)) {
      throw new IllegalArgumentException("Conv2D cannot combine dilation " + dilation + " with strides > 1 (as in Keras)");
    }
    this.filters = filters;
    this.kernelHeight = kernelHeight;
    this.kernelWidth = kernelWidth;
    this.strideRows = strideRows;
    this.strideCols = strideCols;
    this.dilation = dilation;
    this.padding = padding == null ? Padding.VALID : padding;
    this.activation = activation == null ? Activation.LINEAR : activation;
    this.useBias = useBias;
  }

  private static void requirePositive(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("Conv2D " + what + " must be >= 1, got " + value);
    }
  }

  /** {@code filters} outputs with a square {@code kernelSize} window. */
  public static Conv2D of(int filters, int kernelSize) {
    return of(filters, kernelSize, kernelSize);
  }

  public static Conv2D of(int filters, int kernelHeight, int kernelWidth) {
    return new Conv2D(null, null, filters, kernelHeight, kernelWidth, 1, 1, 1, Padding.VALID, Activation.LINEAR, true);
  }

  private Conv2D with(int strideRows, int strideCols, int dilation, Padding padding, Activation activation, boolean useBias) {
    return new Conv2D(name(), pruning().orElse(null), filters, kernelHeight, kernelWidth, strideRows, strideCols,
        dilation, padding, activation, useBias);
  }

  public Conv2D strides(int stride) {
    return strides(stride, stride);
  }

  public Conv2D strides(int rows, int cols) {
    return with(rows, cols, dilation, padding, activation, useBias);
  }

  public Conv2D dilation(int rate) {
    return with(strideRows, strideCols, rate, padding, activation, useBias);
  }

  public Conv2D padding(Padding padding) {
    return with(strideRows, strideCols, dilation, padding, activation, useBias);
  }

  public Conv2D activation(Activation activation) {
    return with(strideRows, strideCols, dilation, padding, activation, useBias);
  }

  public Conv2D useBias(boolean useBias) {
    return with(strideRows, strideCols, dilation, padding, activation, useBias);
  }

  public int filters() {
    return filters;
  }

  public Activation activation() {
    return activation;
  }

  public int kernelHeight() {
    return kernelHeight;
  }

  public int kernelWidth() {
    return kernelWidth;
  }

  public int strideRows() {
    return strideRows;
  }

  public int strideCols() {
    return strideCols;
  }

  public int dilation() {
    return dilation;
  }

  public Padding padding() {
    return padding;
  }

  public boolean useBias() {
    return useBias;
  }

  @Override
  protected Conv2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Conv2D(name, pruning, filters, kernelHeight, kernelWidth, strideRows, strideCols, dilation, padding,
        activation, useBias);
  }

  @Override
  public String typeName() {
    return "Conv2D";
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("kernel");
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 4, "(batch, height, width, channels)");
    if (in.get(3) < 0) {
      throw new LayerShapeException(describe() + " needs a known channel count, got " + Shapes.format(in));
    }
    long h = Shapes.windowOutput(in.get(1), kernelHeight, strideRows, dilation, padding);
    long w = Shapes.windowOutput(in.get(2), kernelWidth, strideCols, dilation, padding);
    if (h < 1 || w < 1) {
      throw new LayerShapeException(describe() + " with a " + kernelHeight + "x" + kernelWidth
          + " kernel and " + padding + " padding does not fit input " + Shapes.format(in));
    }
    return Shape.of(in.get(0), h, w, filters);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(3);
    return WeightSpec.kernelAndBias(Shape.of(kernelHeight, kernelWidth, channels, filters), filters, useBias);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> y = tf.nn.conv2d(inputs.get(0), context.weight("kernel"),
        List.of(1L, (long) strideRows, (long) strideCols, 1L), padding.name(),
        Conv2d.dilations(List.of(1L, (long) dilation, (long) dilation, 1L)));
    if (useBias) {
      y = tf.nn.biasAdd(y, context.weight("bias"));
    }
    return activation.apply(tf, y);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("filters", filters)
        .put("kernel_size", java.util.List.of(kernelHeight, kernelWidth))
        .put("strides", java.util.List.of(strideRows, strideCols)).put("dilation", dilation)
        .put("padding", padding.name().toLowerCase(java.util.Locale.ROOT))
        .put("activation", activation.kerasName()).put("use_bias", useBias);
  }

  private static Conv2D fromConfig(Settings s) {
    long[] k = s.getLongs("kernel_size");
    long[] st = s.getLongs("strides");
    if (k.length != 2 || st.length != 2) {
      throw new IllegalArgumentException(s.owner() + ": kernel_size and strides need 2 values each");
    }
    return Conv2D.of(s.getInt("filters"), (int) k[0], (int) k[1]).strides((int) st[0], (int) st[1])
        .dilation(s.getInt("dilation")).padding(Padding.parse(s.getString("padding")))
        .activation(Activation.parse(s.getString("activation"))).useBias(s.getBoolean("use_bias"));
  }
}
