package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.Padding;
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
 * What {@link Conv3D} and {@link Conv3DTranspose} share over {@code (batch, depth, height, width,
 * channels)}: a cubic kernel (prunable), filters, one stride for all three axes, padding, activation.
 * Their gradients, missing from TF Java, are registered by Topiary.
 */
public abstract class BaseConv3D<L extends BaseConv3D<L>> extends BaseLayer<L> {
  final int size;
  final int filters;
  final int stride;
  final Padding padding;
  final Activation activation;
  final boolean useBias;

  BaseConv3D(@Nullable String name, @Nullable PruningSpec pruning, int size, int filters, int stride, Padding padding,
      Activation activation, boolean useBias) {
    super(name, pruning);
    if (size < 1 || filters < 1 || stride < 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " sizes must be positive, got size " + size
          + ", filters " + filters + ", stride " + stride);
    }
    this.size = size;
    this.filters = filters;
    this.stride = stride;
    this.padding = padding;
    this.activation = activation;
    this.useBias = useBias;
  }

  abstract L with(@Nullable String name, @Nullable PruningSpec pruning, int stride, Padding padding, Activation activation,
      boolean useBias);

  public L strides(int stride) {
    return with(name(), pruning().orElse(null), stride, padding, activation, useBias);
  }

  public L padding(Padding padding) {
    return with(name(), pruning().orElse(null), stride, padding, activation, useBias);
  }

  public L activation(Activation activation) {
    return with(name(), pruning().orElse(null), stride, padding, activation, useBias);
  }

  /** A copy with or without the bias (Keras' {@code use_bias}). */
  public L useBias(boolean useBias) {
    return with(name(), pruning().orElse(null), stride, padding, activation, useBias);
  }

  public boolean useBias() {
    return useBias;
  }

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return with(name, pruning, stride, padding, activation, useBias);
  }

  /** The kernel and, with {@link #useBias()}, the bias. */
  java.util.List<dev.topiary.dsl.layers.WeightSpec> kernelAndBias(Shape kernel) {
    return dev.topiary.dsl.layers.WeightSpec.kernelAndBias(kernel, filters, useBias);
  }

  /** {@code y} plus the bias when there is one, then the activation. */
  Operand<TFloat32> finish(LayerContext context, Operand<TFloat32> y) {
    Ops tf = context.tf();
    return activation.apply(tf, useBias ? tf.nn.biasAdd(y, context.weight("bias")) : y);
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("kernel");
  }

  static List<Long> perAxis(long inner) {
    return List.of(1L, inner, inner, inner, 1L);
  }

  /** The settings layout 3-D layers have always been saved with. */
  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("size", size).put("filters", filters).put("strides", stride)
        .put("padding", padding.name().toLowerCase(Locale.ROOT)).put("activation", activation.kerasName());
    return useBias ? s : s.put("use_bias", false); // only when false: configs saved before it read as they did
  }

  static <L extends BaseConv3D<L>> L readInto(L layer, Settings s) {
    return layer.with(null, null, s.getInt("strides"), Padding.parse(s.getString("padding")),
        Activation.parse(s.getString("activation")), !s.has("use_bias") || s.getBoolean("use_bias"));
  }
}
