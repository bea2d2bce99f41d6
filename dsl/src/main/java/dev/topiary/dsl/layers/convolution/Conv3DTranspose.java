package dev.topiary.dsl.layers.convolution;

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
import org.tensorflow.types.TFloat32;

/**
 * Keras' Conv3DTranspose: kernel {@code [k, k, k, filters, in]} (prunable), bias {@code [filters]};
 * output {@code (in - 1) * stride + k} ({@code valid}) or {@code in * stride} ({@code same}).
 */
public final class Conv3DTranspose extends BaseConv3D<Conv3DTranspose> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Conv3DTranspose> TYPE = LayerType.of("Conv3DTranspose", Conv3DTranspose.class,
      s -> readInto(of(s.getInt("filters"), s.getInt("size")), s));

  private Conv3DTranspose(@Nullable String name, @Nullable PruningSpec pruning, int size, int filters, int stride,
      Padding padding, Activation activation, boolean useBias) {
    super(name, pruning, size, filters, stride, padding, activation, useBias);
  }

  public static Conv3DTranspose of(int filters, int kernelSize) {
    return new Conv3DTranspose(null, null, kernelSize, filters, 1, Padding.VALID, Activation.LINEAR, true);
  }

  @Override
  Conv3DTranspose with(@Nullable String name, @Nullable PruningSpec pruning, int stride, Padding padding,
      Activation activation, boolean useBias) {
    return new Conv3DTranspose(name, pruning, size, filters, stride, padding, activation, useBias);
  }

  @Override
  public String typeName() {
    return "Conv3DTranspose";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 5, "(batch, depth, height, width, channels)").asArray();
    long[] out = in.clone();
    for (int i = 1; i <= 3; i++) {
      out[i] = padding == Padding.SAME ? in[i] * stride : (in[i] - 1) * stride + size;
    }
    out[4] = filters;
    return Shape.of(out);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(4);
    return kernelAndBias(Shape.of(size, size, size, filters, channels));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] out = outputShape(List.of(x.shape())).asArray();
    var batch = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    var sizes = tf.concat(List.of(batch, tf.constant(new int[] {(int) out[1], (int) out[2], (int) out[3], filters})),
        tf.constant(0));
    return finish(context, tf.nn.conv3dBackpropInput(sizes, context.weight("kernel"), x, perAxis(stride), padding.name()));
  }
}
