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
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TFloat32;

/**
 * 1-D convolution over {@code (batch, steps, channels)}: kernel {@code [k, in, filters]} (prunable),
 * bias {@code [filters]}; strides, dilation, {@code valid}/{@code same}. Runs as a 2-D convolution of
 * height 1.
 */
public final class Conv1D extends BaseLayer<Conv1D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Conv1D> TYPE = LayerType.of("Conv1D", Conv1D.class, Conv1D::fromConfig);

  private final int filters;
  private final int kernel;
  private final int stride;
  private final int dilation;
  private final Padding padding;
  private final Activation activation;
  private final boolean useBias;

  private Conv1D(@Nullable String name, @Nullable PruningSpec pruning, int filters, int kernel, int stride, int dilation,
      Padding padding, Activation activation, boolean useBias) {
    super(name, pruning);
    if (filters < 1 || kernel < 1 || stride < 1 || dilation < 1) {
      throw new IllegalArgumentException("Conv1D filters, kernel size, stride and dilation must be >= 1, got "
          + filters + ", " + kernel + ", " + stride + ", " + dilation);
    }
    this.filters = filters;
    this.kernel = kernel;
    this.stride = stride;
    this.dilation = dilation;
    this.padding = padding;
    this.activation = activation;
    this.useBias = useBias;
  }

  public static Conv1D of(int filters, int kernelSize) {
    return new Conv1D(null, null, filters, kernelSize, 1, 1, Padding.VALID, Activation.LINEAR, true);
  }

  public Conv1D strides(int stride) {
    return new Conv1D(name(), pruning().orElse(null), filters, kernel, stride, dilation, padding, activation, useBias);
  }

  public Conv1D dilation(int dilation) {
    return new Conv1D(name(), pruning().orElse(null), filters, kernel, stride, dilation, padding, activation, useBias);
  }

  public Conv1D padding(Padding padding) {
    return new Conv1D(name(), pruning().orElse(null), filters, kernel, stride, dilation, padding, activation, useBias);
  }

  public Conv1D activation(Activation activation) {
    return new Conv1D(name(), pruning().orElse(null), filters, kernel, stride, dilation, padding, activation, useBias);
  }

  /** A copy with or without the bias (Keras' {@code use_bias}). */
  public Conv1D useBias(boolean useBias) {
    return new Conv1D(name(), pruning().orElse(null), filters, kernel, stride, dilation, padding, activation, useBias);
  }

  public boolean useBias() {
    return useBias;
  }

  @Override
  protected Conv1D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Conv1D(name, pruning, filters, kernel, stride, dilation, padding, activation, useBias);
  }

  @Override
  public String typeName() {
    return "Conv1D";
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("kernel");
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 3, "(batch, steps, channels)");
    long steps = Shapes.windowOutput(in.get(1), kernel, stride, dilation, padding);
    if (steps < 1) {
      throw new LayerShapeException(describe() + " with kernel " + kernel + " does not fit input " + Shapes.format(in));
    }
    return Shape.of(in.get(0), steps, filters);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return WeightSpec.kernelAndBias(Shape.of(kernel, inputShapes.get(0).get(2), filters), filters, useBias);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> image = tf.expandDims(inputs.get(0), tf.constant(1));
    Operand<TFloat32> k = tf.expandDims(context.weight("kernel"), tf.constant(0));
    Operand<TFloat32> y = tf.nn.conv2d(image, k, List.of(1L, 1L, (long) stride, 1L), padding.name(),
        org.tensorflow.op.nn.Conv2d.dilations(List.of(1L, 1L, (long) dilation, 1L)));
    y = tf.squeeze(y, Squeeze.axis(List.of(1L)));
    if (useBias) {
      y = tf.nn.biasAdd(y, context.weight("bias"));
    }
    return activation.apply(tf, y);
  }

  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("filters", filters).put("kernel_size", kernel).put("strides", stride)
        .put("dilation", dilation).put("padding", padding.name().toLowerCase(java.util.Locale.ROOT))
        .put("activation", activation.kerasName());
    return useBias ? s : s.put("use_bias", false); // only when false: configs saved before it read as they did
  }

  private static Conv1D fromConfig(Settings s) {
    return Conv1D.of(s.getInt("filters"), s.getInt("kernel_size")).strides(s.getInt("strides"))
        .dilation(s.getInt("dilation")).padding(Padding.parse(s.getString("padding")))
        .activation(Activation.parse(s.getString("activation"))).useBias(!s.has("use_bias") || s.getBoolean("use_bias"));
  }
}
