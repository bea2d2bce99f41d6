package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * What {@link Conv2D} and {@link GroupedConv2D} share: filters, a {@code kernelHeight x kernelWidth} window
 * with strides, dilation and padding, an activation and an optional bias; the kernel is prunable. The two
 * stay types of their own so that a back end that runs Conv2D refuses a grouped convolution by name
 * instead of running it ungrouped.
 */
public abstract class BaseConv2D<L extends BaseConv2D<L>> extends BaseLayer<L> {
  private final int filters;
  private final int kernelHeight;
  private final int kernelWidth;
  private final int strideRows;
  private final int strideCols;
  private final int dilation;
  private final Padding padding;
  private final Activation activation;
  private final boolean useBias;

  BaseConv2D(@Nullable String name, @Nullable PruningSpec pruning, int filters, int kernelHeight, int kernelWidth,
      int strideRows, int strideCols, int dilation, @Nullable Padding padding, @Nullable Activation activation,
      boolean useBias) {
    super(name, pruning);
    requirePositive("filters", filters);
    requirePositive("kernel height", kernelHeight);
    requirePositive("kernel width", kernelWidth);
    requirePositive("stride", Math.min(strideRows, strideCols));
    requirePositive("dilation", dilation);
    if (dilation > 1 && (strideRows > 1 || strideCols > 1)) {
      throw new IllegalArgumentException(typeName() + " cannot combine dilation " + dilation
          + " with strides > 1 (as in Keras)");
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

  final void requirePositive(String what, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(typeName() + " " + what + " must be >= 1, got " + value);
    }
  }

  /** A copy with these settings (name, pruning, filters, window size and a subclass's own settings kept). */
  abstract L with(int strideRows, int strideCols, int dilation, Padding padding, Activation activation, boolean useBias);

  public L strides(int stride) {
    return strides(stride, stride);
  }

  public L strides(int rows, int cols) {
    return with(rows, cols, dilation, padding, activation, useBias);
  }

  public L dilation(int rate) {
    return with(strideRows, strideCols, rate, padding, activation, useBias);
  }

  public L padding(Padding padding) {
    return with(strideRows, strideCols, dilation, padding, activation, useBias);
  }

  public L activation(Activation activation) {
    return with(strideRows, strideCols, dilation, padding, activation, useBias);
  }

  public L useBias(boolean useBias) {
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
  public Set<String> prunableWeights() {
    return Set.of("kernel");
  }

  /** The output shape of the window over a rank-4 input whose channel count {@link #channelsFit} allows. */
  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 4, "(batch, height, width, channels)");
    if (in.get(3) < 0 || !channelsFit(in.get(3))) {
      throw new LayerShapeException(describe() + " needs " + channelsNeeded() + ", got " + Shapes.format(in));
    }
    long h = Shapes.windowOutput(in.get(1), kernelHeight, strideRows, dilation, padding);
    long w = Shapes.windowOutput(in.get(2), kernelWidth, strideCols, dilation, padding);
    if (h < 1 || w < 1) {
      throw new LayerShapeException(describe() + " with a " + kernelHeight + "x" + kernelWidth
          + " kernel and " + padding + " padding does not fit input " + Shapes.format(in));
    }
    return Shape.of(in.get(0), h, w, filters);
  }

  /** Whether this many input channels can be convolved (any known count, unless grouped). */
  boolean channelsFit(long channels) {
    return true;
  }

  /** What {@link #channelsFit} asks for, in an error message. */
  String channelsNeeded() {
    return "a known channel count";
  }

  /** The settings both types write (a subclass adds its own). */
  Settings windowConfig() {
    return Settings.of(typeName()).put("filters", filters).put("kernel_size", List.of(kernelHeight, kernelWidth))
        .put("strides", List.of(strideRows, strideCols)).put("dilation", dilation)
        .put("padding", padding.name().toLowerCase(Locale.ROOT)).put("activation", activation.kerasName())
        .put("use_bias", useBias);
  }

  /** {@code layer} with the window settings {@code s} holds (filters and window size are given to its factory). */
  static <L extends BaseConv2D<L>> L readWindow(L layer, Settings s) {
    long[] st = s.getLongs("strides");
    if (st.length != 2) {
      throw new IllegalArgumentException(s.owner() + ": strides needs 2 values");
    }
    return layer.strides((int) st[0], (int) st[1]).dilation(s.getInt("dilation"))
        .padding(Padding.parse(s.getString("padding"))).activation(Activation.parse(s.getString("activation")))
        .useBias(s.getBoolean("use_bias"));
  }

  /** The kernel window {@code [height, width]} of saved settings. */
  static long[] kernelSize(Settings s) {
    long[] k = s.getLongs("kernel_size");
    if (k.length != 2) {
      throw new IllegalArgumentException(s.owner() + ": kernel_size needs 2 values");
    }
    return k;
  }
}
