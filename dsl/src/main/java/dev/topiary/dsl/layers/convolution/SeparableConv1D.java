package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
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
 * Keras' SeparableConv1D over {@code (batch, steps, channels)}: a depthwise convolution along the
 * steps ({@code depthwise_kernel [k, in, 1]}), then a pointwise one ({@code pointwise_kernel
 * [1, in, filters]}, prunable), bias {@code [filters]}. Runs as 2-D convolutions of height 1.
 */
public final class SeparableConv1D extends BaseLayer<SeparableConv1D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<SeparableConv1D> TYPE =
      LayerType.of("SeparableConv1D", SeparableConv1D.class, SeparableConv1D::fromConfig);

  private final int filters;
  private final int kernel;
  private final int stride;
  private final Padding padding;
  private final Activation activation;
  private final boolean useBias;

  private SeparableConv1D(@Nullable String name, @Nullable PruningSpec pruning, int filters, int kernel, int stride,
      Padding padding, Activation activation, boolean useBias) {
    super(name, pruning);
    if (filters < 1 || kernel < 1 || stride < 1) {
      throw new IllegalArgumentException("SeparableConv1D filters, kernel size and stride must be >= 1, got " + filters
          + ", " + kernel + ", " + stride);
    }
    this.filters = filters;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.activation = activation;
    this.useBias = useBias;
  }

  public static SeparableConv1D of(int filters, int kernelSize) {
    return new SeparableConv1D(null, null, filters, kernelSize, 1, Padding.VALID, Activation.LINEAR, true);
  }

  public SeparableConv1D strides(int stride) {
    return new SeparableConv1D(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  public SeparableConv1D padding(Padding padding) {
    return new SeparableConv1D(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  public SeparableConv1D activation(Activation activation) {
    return new SeparableConv1D(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  /** A copy with or without the bias (Keras' {@code use_bias}). */
  public SeparableConv1D useBias(boolean useBias) {
    return new SeparableConv1D(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  public boolean useBias() {
    return useBias;
  }

  @Override
  protected SeparableConv1D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new SeparableConv1D(name, pruning, filters, kernel, stride, padding, activation, useBias);
  }

  @Override
  public String typeName() {
    return "SeparableConv1D";
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("pointwise_kernel");
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 3, "(batch, steps, channels)");
    long steps = Shapes.windowOutput(in.get(1), kernel, stride, 1, padding);
    if (steps < 1) {
      throw new LayerShapeException(describe() + " with kernel " + kernel + " does not fit input " + Shapes.format(in));
    }
    return Shape.of(in.get(0), steps, filters);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(2);
    WeightSpec depthwise = WeightSpec.ofTrainable("depthwise_kernel", Shape.of(kernel, channels, 1),
        Initializer.GLOROT_UNIFORM);
    WeightSpec pointwise = WeightSpec.ofTrainable("pointwise_kernel", Shape.of(1, channels, filters),
        Initializer.GLOROT_UNIFORM);
    return useBias ? List.of(depthwise, pointwise, WeightSpec.ofTrainable("bias", Shape.of(filters), Initializer.ZEROS))
        : List.of(depthwise, pointwise);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> image = tf.expandDims(inputs.get(0), tf.constant(1));
    Operand<TFloat32> depthwise = tf.expandDims(context.weight("depthwise_kernel"), tf.constant(0));
    Operand<TFloat32> pointwise = tf.expandDims(context.weight("pointwise_kernel"), tf.constant(0));
    Operand<TFloat32> y = tf.nn.depthwiseConv2dNative(image, depthwise, List.of(1L, 1L, (long) stride, 1L), padding.name());
    y = tf.nn.conv2d(y, pointwise, List.of(1L, 1L, 1L, 1L), "VALID");
    y = tf.squeeze(y, Squeeze.axis(List.of(1L)));
    if (useBias) {
      y = tf.nn.biasAdd(y, context.weight("bias"));
    }
    return activation.apply(tf, y);
  }

  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("filters", filters).put("kernel_size", kernel).put("strides", stride)
        .put("padding", padding.name().toLowerCase(java.util.Locale.ROOT)).put("activation", activation.kerasName());
    return useBias ? s : s.put("use_bias", false); // only when false: configs saved before it read as they did
  }

  private static SeparableConv1D fromConfig(Settings s) {
    return SeparableConv1D.of(s.getInt("filters"), s.getInt("kernel_size")).strides(s.getInt("strides"))
        .padding(Padding.parse(s.getString("padding"))).activation(Activation.parse(s.getString("activation")))
        .useBias(!s.has("use_bias") || s.getBoolean("use_bias"));
  }
}
