package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.ops.PruningSpec;
import org.jspecify.annotations.Nullable;

/**
 * Keras' SeparableConv2D: a depthwise convolution ({@code depthwise_kernel [k, k, in, multiplier]})
 * followed by a 1x1 pointwise one ({@code pointwise_kernel [1, 1, in * multiplier, filters]}, prunable),
 * bias {@code [filters]}.
 */
public final class SeparableConv2D extends BaseDepthwiseConv2D<SeparableConv2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<SeparableConv2D> TYPE = LayerType.of("SeparableConv2D", SeparableConv2D.class,
      s -> readInto(of(s.getInt("filters"), s.getInt("kernel_size")), s));

  private SeparableConv2D(@Nullable String name, @Nullable PruningSpec pruning, int filters, int kernel, int multiplier,
      int stride, Padding padding, Activation activation, boolean pruneDepthwise, boolean useBias) {
    super(name, pruning, kernel, multiplier, stride, padding, activation, filters, pruneDepthwise, useBias);
  }

  /** Keras' SeparableConv2D(filters, kernelSize). */
  public static SeparableConv2D of(int filters, int kernelSize) {
    if (filters < 1) {
      throw new IllegalArgumentException("SeparableConv2D filters must be >= 1, got " + filters);
    }
    return new SeparableConv2D(null, null, filters, kernelSize, 1, 1, Padding.VALID, Activation.LINEAR, false, true);
  }

  @Override
  SeparableConv2D with(@Nullable String name, @Nullable PruningSpec pruning, int multiplier, int stride,
      Padding padding, Activation activation, boolean pruneDepthwise, boolean useBias) {
    return new SeparableConv2D(name, pruning, pointwiseFilters, kernel, multiplier, stride, padding, activation,
        pruneDepthwise, useBias);
  }

  @Override
  public String typeName() {
    return "SeparableConv2D";
  }

  /** The pointwise convolution's output channels. */
  public int filters() {
    return pointwiseFilters;
  }
}
