package dev.topiary.dsl.layers.convolution;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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

  BaseConv3D(@Nullable String name, @Nullable PruningSpec pruning, int size, int filters, int stride, Padding padding,
      Activation activation) {
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
  }

  abstract L with(@Nullable String name, @Nullable PruningSpec pruning, int stride, Padding padding, Activation activation);

  public L strides(int stride) {
    return with(name(), pruning().orElse(null), stride, padding, activation);
  }

  public L padding(Padding padding) {
    return with(name(), pruning().orElse(null), stride, padding, activation);
  }

  public L activation(Activation activation) {
    return with(name(), pruning().orElse(null), stride, padding, activation);
  }

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return with(name, pruning, stride, padding, activation);
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
    return Settings.of(typeName()).put("size", size).put("filters", filters).put("strides", stride)
        .put("padding", padding.name().toLowerCase(Locale.ROOT)).put("activation", activation.kerasName());
  }

  static <L extends BaseConv3D<L>> L readInto(L layer, Settings s) {
    return layer.with(null, null, s.getInt("strides"), Padding.parse(s.getString("padding")),
        Activation.parse(s.getString("activation")));
  }
}
