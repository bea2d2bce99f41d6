package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** 3-D convolution: cubic kernel {@code [k, k, k, in, filters]} (prunable), bias {@code [filters]}. */
public final class Conv3D extends BaseConv3D<Conv3D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Conv3D> TYPE = LayerType.of("Conv3D", Conv3D.class,
      s -> readInto(of(s.getInt("filters"), s.getInt("size")), s));

  private Conv3D(@Nullable String name, @Nullable PruningSpec pruning, int size, int filters, int stride,
      Padding padding, Activation activation, boolean useBias) {
    super(name, pruning, size, filters, stride, padding, activation, useBias);
  }

  public static Conv3D of(int filters, int kernelSize) {
    return new Conv3D(null, null, kernelSize, filters, 1, Padding.VALID, Activation.LINEAR, true);
  }

  @Override
  Conv3D with(@Nullable String name, @Nullable PruningSpec pruning, int stride, Padding padding, Activation activation,
      boolean useBias) {
    return new Conv3D(name, pruning, size, filters, stride, padding, activation, useBias);
  }

  @Override
  public String typeName() {
    return "Conv3D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 5, "(batch, depth, height, width, channels)").asArray();
    long[] out = in.clone();
    for (int i = 1; i <= 3; i++) {
      out[i] = Shapes.windowOutput(in[i], size, stride, 1, padding);
      if (out[i] < 1) {
        throw new LayerShapeException(describe() + " with size " + size + " does not fit input " + Shapes.format(Shape.of(in)));
      }
    }
    out[4] = filters;
    return Shape.of(out);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(4);
    return kernelAndBias(Shape.of(size, size, size, channels, filters));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    return finish(context, tf.nn.conv3d(inputs.get(0), context.weight("kernel"), perAxis(stride), padding.name()));
  }
}
