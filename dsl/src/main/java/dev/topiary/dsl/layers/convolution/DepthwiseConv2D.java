package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.ops.PruningSpec;
import org.jspecify.annotations.Nullable;

/**
 * Depthwise 2-D convolution: one {@code kernelSize} filter per input channel, times a depth multiplier;
 * {@code depthwise_kernel [k, k, in, multiplier]}, bias. Not pruned unless {@link #pruneDepthwiseKernel()}.
 */
public final class DepthwiseConv2D extends BaseDepthwiseConv2D<DepthwiseConv2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<DepthwiseConv2D> TYPE = LayerType.of("DepthwiseConv2D", DepthwiseConv2D.class,
      s -> readInto(of(s.getInt("kernel_size")), s));

  private DepthwiseConv2D(@Nullable String name, @Nullable PruningSpec pruning, int kernel, int multiplier, int stride,
      Padding padding, Activation activation, boolean pruneDepthwise, boolean useBias) {
    super(name, pruning, kernel, multiplier, stride, padding, activation, 0, pruneDepthwise, useBias);
  }

  public static DepthwiseConv2D of(int kernelSize) {
    return new DepthwiseConv2D(null, null, kernelSize, 1, 1, Padding.VALID, Activation.LINEAR, false, true);
  }

  @Override
  DepthwiseConv2D with(@Nullable String name, @Nullable PruningSpec pruning, int multiplier, int stride,
      Padding padding, Activation activation, boolean pruneDepthwise, boolean useBias) {
    return new DepthwiseConv2D(name, pruning, kernel, multiplier, stride, padding, activation, pruneDepthwise, useBias);
  }

  @Override
  public String typeName() {
    return "DepthwiseConv2D";
  }
}
