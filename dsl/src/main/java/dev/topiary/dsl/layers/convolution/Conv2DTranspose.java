package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Transposed 2-D convolution (up-sampling): kernel {@code [kh, kw, filters, in]} as Keras (prunable),
 * bias {@code [filters]}; output {@code (in - 1) * stride + k} ({@code valid}) or {@code in * stride}
 * ({@code same}).
 */
public final class Conv2DTranspose extends BaseLayer<Conv2DTranspose> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Conv2DTranspose> TYPE =
      LayerType.of("Conv2DTranspose", Conv2DTranspose.class, Conv2DTranspose::fromConfig);

  private final int filters;
  private final int kernel;
  private final int stride;
  private final Padding padding;
  private final Activation activation;
  private final boolean useBias;

  private Conv2DTranspose(@Nullable String name, @Nullable PruningSpec pruning, int filters, int kernel, int stride,
      Padding padding, Activation activation, boolean useBias) {
    super(name, pruning);
    if (filters < 1 || kernel < 1 || stride < 1) {
      throw new IllegalArgumentException("Conv2DTranspose filters, kernel size and stride must be >= 1, got "
          + filters + ", " + kernel + ", " + stride);
    }
    this.filters = filters;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.activation = activation;
    this.useBias = useBias;
  }

  public static Conv2DTranspose of(int filters, int kernelSize) {
    return new Conv2DTranspose(null, null, filters, kernelSize, 1, Padding.VALID, Activation.LINEAR, true);
  }

  public Conv2DTranspose strides(int stride) {
    return new Conv2DTranspose(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  public Conv2DTranspose padding(Padding padding) {
    return new Conv2DTranspose(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  public Conv2DTranspose activation(Activation activation) {
    return new Conv2DTranspose(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  /** A copy with or without the bias (Keras' {@code use_bias}). */
  public Conv2DTranspose useBias(boolean useBias) {
    return new Conv2DTranspose(name(), pruning().orElse(null), filters, kernel, stride, padding, activation, useBias);
  }

  public boolean useBias() {
    return useBias;
  }

  @Override
  protected Conv2DTranspose copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Conv2DTranspose(name, pruning, filters, kernel, stride, padding, activation, useBias);
  }

  @Override
  public String typeName() {
    return "Conv2DTranspose";
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("kernel");
  }

  private long outputLength(long in) {
    return padding == Padding.SAME ? in * stride : (in - 1) * stride + kernel;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 4, "(batch, height, width, channels)");
    return Shape.of(in.get(0), outputLength(in.get(1)), outputLength(in.get(2)), filters);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return WeightSpec.kernelAndBias(Shape.of(kernel, kernel, filters, inputShapes.get(0).get(3)), filters, useBias);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    Operand<TInt32> batch = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> outShape = tf.concat(List.of(batch, tf.constant(new int[] {
        (int) outputLength(x.shape().get(1)), (int) outputLength(x.shape().get(2)), filters})), tf.constant(0));
    Operand<TFloat32> y = tf.nn.conv2dBackpropInput(outShape, context.weight("kernel"), x,
        List.of(1L, (long) stride, (long) stride, 1L), padding.name());
    return activation.apply(tf, useBias ? tf.nn.biasAdd(y, context.weight("bias")) : y);
  }

  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("filters", filters).put("kernel_size", kernel).put("strides", stride)
        .put("padding", padding.name().toLowerCase(java.util.Locale.ROOT)).put("activation", activation.kerasName());
    return useBias ? s : s.put("use_bias", false); // only when false: configs saved before it read as they did
  }

  private static Conv2DTranspose fromConfig(Settings s) {
    return Conv2DTranspose.of(s.getInt("filters"), s.getInt("kernel_size")).strides(s.getInt("strides"))
        .padding(Padding.parse(s.getString("padding")))
        .activation(Activation.parse(s.getString("activation"))).useBias(!s.has("use_bias") || s.getBoolean("use_bias"));
  }
}
