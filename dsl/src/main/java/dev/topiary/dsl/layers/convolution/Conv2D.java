package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
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
public class Conv2D extends BaseConv2D<Conv2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Conv2D> TYPE = LayerType.of("Conv2D", Conv2D.class, Conv2D::fromConfig);

  protected Conv2D(@Nullable String name, @Nullable PruningSpec pruning, int filters, int kernelHeight, int kernelWidth,
      int strideRows, int strideCols, int dilation, Padding padding, Activation activation, boolean useBias) {
    super(name, pruning, filters, kernelHeight, kernelWidth, strideRows, strideCols, dilation, padding, activation,
        useBias);
  }

  /** {@code filters} outputs with a square {@code kernelSize} window. */
  public static Conv2D of(int filters, int kernelSize) {
    return of(filters, kernelSize, kernelSize);
  }

  public static Conv2D of(int filters, int kernelHeight, int kernelWidth) {
    return new Conv2D(null, null, filters, kernelHeight, kernelWidth, 1, 1, 1, Padding.VALID, Activation.LINEAR, true);
  }

  @Override
  Conv2D with(int strideRows, int strideCols, int dilation, Padding padding, Activation activation, boolean useBias) {
    return new Conv2D(name(), pruning().orElse(null), filters(), kernelHeight(), kernelWidth(), strideRows, strideCols,
        dilation, padding, activation, useBias);
  }

  @Override
  protected Conv2D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Conv2D(name, pruning, filters(), kernelHeight(), kernelWidth(), strideRows(), strideCols(), dilation(),
        padding(), activation(), useBias());
  }

  @Override
  public String typeName() {
    return "Conv2D";
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(3);
    return WeightSpec.kernelAndBias(Shape.of(kernelHeight(), kernelWidth(), channels, filters()), filters(), useBias());
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> y = tf.nn.conv2d(inputs.get(0), context.weight("kernel"),
        List.of(1L, (long) strideRows(), (long) strideCols(), 1L), padding().name(),
        Conv2d.dilations(List.of(1L, (long) dilation(), (long) dilation(), 1L)));
    if (useBias()) {
      y = tf.nn.biasAdd(y, context.weight("bias"));
    }
    return activation().apply(tf, y);
  }

  @Override
  public Settings config() {
    return windowConfig();
  }

  private static Conv2D fromConfig(Settings s) {
    long[] k = kernelSize(s);
    return readWindow(Conv2D.of(s.getInt("filters"), (int) k[0], (int) k[1]), s);
  }
}
