package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Depthwise 2-D convolution (one filter per input channel, times a depth multiplier), and, as
 * {@link #separable}, Keras' SeparableConv2D: the depthwise step followed by a 1x1 pointwise
 * convolution. As in the reference, a depthwise kernel is not pruned unless asked for
 * ({@link #pruneDepthwiseKernel()}); a separable layer prunes its {@code pointwise_kernel}.
 */
public final class DepthwiseConv2D extends BaseLayer<DepthwiseConv2D> {
  private final int kernel;
  private final int multiplier;
  private final int stride;
  private final Padding padding;
  private final Activation activation;
  private final int pointwiseFilters; // 0: depthwise only
  private final boolean pruneDepthwise;

  private DepthwiseConv2D(@Nullable String name, @Nullable PruningSpec pruning, int kernel, int multiplier, int stride,
      Padding padding, Activation activation, int pointwiseFilters, boolean pruneDepthwise) {
    super(name, pruning);
    if (kernel < 1 || multiplier < 1 || stride < 1 || pointwiseFilters < 0) {
      throw new IllegalArgumentException("depthwise kernel size, depth multiplier and stride must be >= 1, got "
          + kernel + ", " + multiplier + ", " + stride);
    }
    this.kernel = kernel;
    this.multiplier = multiplier;
    this.stride = stride;
    this.padding = padding;
    this.activation = activation;
    this.pointwiseFilters = pointwiseFilters;
    this.pruneDepthwise = pruneDepthwise;
  }

  public static DepthwiseConv2D of(int kernelSize) {
    return new DepthwiseConv2D(null, null, kernelSize, 1, 1, Padding.VALID, Activation.LINEAR, 0, false);
  }

  /** Keras' SeparableConv2D(filters, kernelSize). */
  public static DepthwiseConv2D separable(int filters, int kernelSize) {
    if (filters < 1) {
      throw new IllegalArgumentException("SeparableConv2D filters must be >= 1, got " + filters);
    }
    return new DepthwiseConv2D(null, null, kernelSize, 1, 1, Padding.VALID, Activation.LINEAR, filters, false);
  }

  private DepthwiseConv2D with(int multiplier, int stride, Padding padding, Activation activation, boolean pruneDepthwise) {
    return new DepthwiseConv2D(name(), pruning().orElse(null), kernel, multiplier, stride, padding, activation,
        pointwiseFilters, pruneDepthwise);
  }

  public DepthwiseConv2D depthMultiplier(int multiplier) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  public DepthwiseConv2D strides(int stride) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  public DepthwiseConv2D padding(Padding padding) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  public DepthwiseConv2D activation(Activation activation) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  /** Also prune the depthwise kernel (off by default, as the reference passes depthwise layers through). */
  public DepthwiseConv2D pruneDepthwiseKernel() {
    return with(multiplier, stride, padding, activation, true);
  }

  @Override
  protected DepthwiseConv2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new DepthwiseConv2D(name, pruning, kernel, multiplier, stride, padding, activation, pointwiseFilters,
        pruneDepthwise);
  }

  @Override
  public String typeName() {
    return pointwiseFilters > 0 ? "SeparableConv2D" : "DepthwiseConv2D";
  }

  @Override
  public Set<String> prunableWeights() {
    if (pointwiseFilters > 0) {
      return pruneDepthwise ? Set.of("depthwise_kernel", "pointwise_kernel") : Set.of("pointwise_kernel");
    }
    return pruneDepthwise ? Set.of("depthwise_kernel") : Set.of();
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 4, "(batch, height, width, channels)");
    long h = Shapes.windowOutput(in.get(1), kernel, stride, 1, padding);
    long w = Shapes.windowOutput(in.get(2), kernel, stride, 1, padding);
    if (h < 1 || w < 1) {
      throw new LayerShapeException(describe() + " with a " + kernel + "x" + kernel + " kernel does not fit input "
          + Shapes.format(in));
    }
    return Shape.of(in.get(0), h, w, pointwiseFilters > 0 ? pointwiseFilters : in.get(3) * multiplier);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(3);
    WeightSpec depthwise = WeightSpec.trainable("depthwise_kernel", Shape.of(kernel, kernel, channels, multiplier),
        Initializer.GLOROT_UNIFORM);
    if (pointwiseFilters == 0) {
      return List.of(depthwise, WeightSpec.trainable("bias", Shape.of(channels * multiplier), Initializer.ZEROS));
    }
    return List.of(depthwise,
        WeightSpec.trainable("pointwise_kernel", Shape.of(1, 1, channels * multiplier, pointwiseFilters),
            Initializer.GLOROT_UNIFORM),
        WeightSpec.trainable("bias", Shape.of(pointwiseFilters), Initializer.ZEROS));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> y = tf.nn.depthwiseConv2dNative(inputs.get(0), context.weight("depthwise_kernel"),
        List.of(1L, (long) stride, (long) stride, 1L), padding.name());
    if (pointwiseFilters > 0) {
      y = tf.nn.conv2d(y, context.weight("pointwise_kernel"), List.of(1L, 1L, 1L, 1L), "VALID");
    }
    return activation.apply(tf, tf.nn.biasAdd(y, context.weight("bias")));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("kernel_size", kernel).put("depth_multiplier", multiplier)
        .put("strides", stride).put("padding", padding.name().toLowerCase(java.util.Locale.ROOT))
        .put("activation", activation.kerasName()).put("filters", pointwiseFilters)
        .put("prune_depthwise_kernel", pruneDepthwise);
  }

  static DepthwiseConv2D fromConfig(Settings s) {
    return new DepthwiseConv2D(null, null, s.getInt("kernel_size"), s.getInt("depth_multiplier"), s.getInt("strides"),
        Padding.parse(s.getString("padding")),
        Activation.parse(s.getString("activation")), s.getInt("filters"), s.getBoolean("prune_depthwise_kernel"));
  }
}
