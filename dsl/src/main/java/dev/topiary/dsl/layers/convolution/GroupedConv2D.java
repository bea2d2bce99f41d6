package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code Conv2D} with {@code groups > 1}: the input channels and the filters are cut into
 * {@code groups} consecutive groups, and group g's filters see only group g's channels (ConvNeXt's 7x7
 * convolution has as many groups as channels). Kernel {@code [kh, kw, channels / groups, filters]} as
 * Keras keeps it, bias {@code [filters]}; its kernel is prunable, as Conv2D's.
 *
 * <p>TensorFlow's CPU kernels have no grouped convolution (Keras compiles one with XLA), so this runs
 * one convolution per group; with one channel per group it is a depthwise convolution, which TensorFlow
 * runs directly: the kernel {@code [kh, kw, 1, channels * m]} read as {@code [kh, kw, channels, m]}, since
 * filter {@code c * m + j} is the j-th filter of channel c in both layouts. A type of its own (not an
 * option of {@link Conv2D}) so that a back end that runs Conv2D refuses it by name instead of running it
 * ungrouped.
 */
public final class GroupedConv2D extends BaseConv2D<GroupedConv2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GroupedConv2D> TYPE = LayerType.of("GroupedConv2D", GroupedConv2D.class,
      GroupedConv2D::fromConfig);

  private final int groups;

  private GroupedConv2D(@Nullable String name, @Nullable PruningSpec pruning, int filters, int groups, int kernelHeight,
      int kernelWidth, int strideRows, int strideCols, int dilation, Padding padding, Activation activation,
      boolean useBias) {
    super(name, pruning, filters, kernelHeight, kernelWidth, strideRows, strideCols, dilation, padding, activation,
        useBias);
    requirePositive("groups", groups);
    if (filters % groups != 0) {
      throw new IllegalArgumentException("GroupedConv2D filters " + filters + " must be a multiple of groups " + groups);
    }
    this.groups = groups;
  }

  /** {@code filters} outputs in {@code groups} groups, with a {@code kernelHeight x kernelWidth} window. */
  public static GroupedConv2D of(int filters, int groups, int kernelHeight, int kernelWidth) {
    return new GroupedConv2D(null, null, filters, groups, kernelHeight, kernelWidth, 1, 1, 1, Padding.VALID,
        Activation.LINEAR, true);
  }

  @Override
  GroupedConv2D with(int strideRows, int strideCols, int dilation, Padding padding, Activation activation,
      boolean useBias) {
    return new GroupedConv2D(name(), pruning().orElse(null), filters(), groups, kernelHeight(), kernelWidth(),
        strideRows, strideCols, dilation, padding, activation, useBias);
  }

  public int groups() {
    return groups;
  }

  @Override
  protected GroupedConv2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new GroupedConv2D(name, pruning, filters(), groups, kernelHeight(), kernelWidth(), strideRows(),
        strideCols(), dilation(), padding(), activation(), useBias());
  }

  @Override
  public String typeName() {
    return "GroupedConv2D";
  }

  @Override
  boolean channelsFit(long channels) {
    return channels % groups == 0;
  }

  @Override
  String channelsNeeded() {
    return "a channel count that is a multiple of groups " + groups;
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(3);
    return WeightSpec.kernelAndBias(Shape.of(kernelHeight(), kernelWidth(), channels / groups, filters()), filters(),
        useBias());
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long channels = x.shape().get(3);
    Operand<TFloat32> kernel = context.weight("kernel");
    List<Long> strides = List.of(1L, (long) strideRows(), (long) strideCols(), 1L);
    List<Long> dilations = List.of(1L, (long) dilation(), (long) dilation(), 1L);
    String padding = padding().name();
    Operand<TFloat32> y;
    // One channel per group: a depthwise convolution with multiplier filters / channels, which TF's CPU kernel
    // runs with equal strides and no dilation only (other cases go through the per-group convolutions).
    if (channels == groups && strideRows() == strideCols() && dilation() == 1) {
      Operand<TFloat32> depthwise = tf.reshape(kernel, tf.constant(new long[] {kernelHeight(), kernelWidth(), channels,
          filters() / channels}));
      y = tf.nn.depthwiseConv2dNative(x, depthwise, strides, padding, DepthwiseConv2dNative.dilations(dilations));
    } else {
      List<org.tensorflow.Output<TFloat32>> xs = tf.split(tf.constant(3), x, (long) groups).output();
      List<org.tensorflow.Output<TFloat32>> ks = tf.split(tf.constant(3), kernel, (long) groups).output();
      List<Operand<TFloat32>> ys = new ArrayList<>();
      for (int g = 0; g < groups; g++) {
        ys.add(tf.nn.conv2d(xs.get(g), ks.get(g), strides, padding, Conv2d.dilations(dilations)));
      }
      y = tf.concat(ys, tf.constant(3));
    }
    if (useBias()) {
      y = tf.nn.biasAdd(y, context.weight("bias"));
    }
    return activation().apply(tf, y);
  }

  @Override
  public Settings config() {
    return windowConfig().put("groups", groups);
  }

  private static GroupedConv2D fromConfig(Settings s) {
    long[] k = kernelSize(s);
    return readWindow(GroupedConv2D.of(s.getInt("filters"), s.getInt("groups"), (int) k[0], (int) k[1]), s);
  }
}
