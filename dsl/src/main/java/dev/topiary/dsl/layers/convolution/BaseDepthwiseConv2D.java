package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What {@link DepthwiseConv2D} and {@link SeparableConv2D} share: a depthwise 2-D convolution (one
 * filter per input channel, times a depth multiplier), for SeparableConv2D followed by a 1x1 pointwise
 * convolution to {@code filters}. As in the reference, a depthwise kernel is not pruned unless asked for
 * ({@link #pruneDepthwiseKernel()}); a separable layer prunes its {@code pointwise_kernel}.
 */
public abstract class BaseDepthwiseConv2D<L extends BaseDepthwiseConv2D<L>> extends BaseLayer<L> {
  final int kernel;
  final int multiplier;
  final int stride;
  final Padding padding;
  final Activation activation;
  final int pointwiseFilters; // 0: depthwise only
  final boolean pruneDepthwise;
  final boolean useBias;

  BaseDepthwiseConv2D(@Nullable String name, @Nullable PruningSpec pruning, int kernel, int multiplier, int stride,
      Padding padding, Activation activation, int pointwiseFilters, boolean pruneDepthwise, boolean useBias) {
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
    this.useBias = useBias;
  }

  /** A copy with these settings (kernel size and filters fixed). */
  abstract L with(@Nullable String name, @Nullable PruningSpec pruning, int multiplier, int stride, Padding padding,
      Activation activation, boolean pruneDepthwise, boolean useBias);

  private L with(int multiplier, int stride, Padding padding, Activation activation, boolean pruneDepthwise) {
    return with(name(), pruning().orElse(null), multiplier, stride, padding, activation, pruneDepthwise, useBias);
  }

  /** A copy with or without the bias (Keras' {@code use_bias}; MobileNet and Xception have none: BN follows). */
  public L useBias(boolean useBias) {
    return with(name(), pruning().orElse(null), multiplier, stride, padding, activation, pruneDepthwise, useBias);
  }

  public boolean useBias() {
    return useBias;
  }

  /** The square depthwise window's side. */
  public int kernelSize() {
    return kernel;
  }

  public int depthMultiplier() {
    return multiplier;
  }

  /** The stride along both spatial axes. */
  public int strides() {
    return stride;
  }

  public Padding padding() {
    return padding;
  }

  public Activation activation() {
    return activation;
  }

  public L depthMultiplier(int multiplier) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  public L strides(int stride) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  public L padding(Padding padding) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  public L activation(Activation activation) {
    return with(multiplier, stride, padding, activation, pruneDepthwise);
  }

  /** Also prune the depthwise kernel (off by default, as the reference passes depthwise layers through). */
  public L pruneDepthwiseKernel() {
    return with(multiplier, stride, padding, activation, true);
  }

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return with(name, pruning, multiplier, stride, padding, activation, pruneDepthwise, useBias);
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
    WeightSpec depthwise = WeightSpec.ofTrainable("depthwise_kernel", Shape.of(kernel, kernel, channels, multiplier),
        Initializer.GLOROT_UNIFORM);
    List<WeightSpec> out = new java.util.ArrayList<>(List.of(depthwise));
    if (pointwiseFilters > 0) {
      out.add(WeightSpec.ofTrainable("pointwise_kernel", Shape.of(1, 1, channels * multiplier, pointwiseFilters),
          Initializer.GLOROT_UNIFORM));
    }
    if (useBias) {
      out.add(WeightSpec.ofTrainable("bias", Shape.of(pointwiseFilters > 0 ? pointwiseFilters : channels * multiplier),
          Initializer.ZEROS));
    }
    return List.copyOf(out);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> y = tf.nn.depthwiseConv2dNative(inputs.get(0), context.weight("depthwise_kernel"),
        List.of(1L, (long) stride, (long) stride, 1L), padding.name());
    if (pointwiseFilters > 0) {
      y = tf.nn.conv2d(y, context.weight("pointwise_kernel"), List.of(1L, 1L, 1L, 1L), "VALID");
    }
    return activation.apply(tf, useBias ? tf.nn.biasAdd(y, context.weight("bias")) : y);
  }

  /**
   * One settings layout for both types (filters 0 for DepthwiseConv2D), as configs have always had;
   * {@code use_bias} only when false, so configs saved before it existed read as they did.
   */
  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("kernel_size", kernel).put("depth_multiplier", multiplier)
        .put("strides", stride).put("padding", padding.name().toLowerCase(Locale.ROOT))
        .put("activation", activation.kerasName()).put("filters", pointwiseFilters)
        .put("prune_depthwise_kernel", pruneDepthwise);
    return useBias ? s : s.put("use_bias", false);
  }

  /** Reads the shared settings into {@code layer} (of the right kernel size and filters). */
  static <L extends BaseDepthwiseConv2D<L>> L readInto(L layer, Settings s) {
    return layer.with(null, null, s.getInt("depth_multiplier"), s.getInt("strides"),
        Padding.parse(s.getString("padding")), Activation.parse(s.getString("activation")),
        s.getBoolean("prune_depthwise_kernel"), !s.has("use_bias") || s.getBoolean("use_bias"));
  }
}
