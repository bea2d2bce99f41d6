package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code SpatialDropout1D/2D/3D}: during training drops whole channels (one draw per example and
 * channel, shared by every step or pixel) and scales the rest by {@code 1 / (1 - rate)}; the identity
 * at inference. The draw is fixed by the model seed and the training step, as {@link Dropout}'s; a seed
 * in the Keras file is kept for writing it back only.
 */
public abstract sealed class BaseSpatialDropout<L extends BaseSpatialDropout<L>> extends BaseLayer<L>
    implements LoweredLayer permits SpatialDropout1D, SpatialDropout2D, SpatialDropout3D {
  private final double rate;
  private final @Nullable Long seed;
  private final int spatialRank;

  BaseSpatialDropout(@Nullable String name, double rate, @Nullable Long seed, int spatialRank) {
    super(name, null);
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("SpatialDropout" + spatialRank + "D rate must be in [0, 1), got " + rate);
    }
    this.rate = rate;
    this.seed = seed;
    this.spatialRank = spatialRank;
  }

  abstract L create(@Nullable String name, double rate, @Nullable Long seed);

  public double rate() {
    return rate;
  }

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name, rate, seed);
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    return requireRank(inputShapes, spatialRank + 2, "(batch, " + "steps, ".repeat(spatialRank) + "channels)");
  }

  /** Inference: the identity. */
  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return inputs.get(0);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!context.training() || rate == 0) {
      return x;
    }
    // One draw per (example, channel): noise of shape (batch, 1, ..., 1, channels), broadcast over the steps.
    long[] noiseShape = new long[spatialRank + 2];
    java.util.Arrays.fill(noiseShape, 1);
    noiseShape[0] = -1;
    noiseShape[spatialRank + 1] = -1;
    return Dropout.drop(context, x, rate, noiseShape);
  }

  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("rate", rate).put("seed", seed);
    return spatialRank == 1 ? s : s.put("data_format", "channels_last");
  }

  /** Reads rate, seed and (2-D, 3-D) data_format, which must be channels_last. */
  static <L extends BaseSpatialDropout<L>> L read(Settings s, String type, Factory<L> factory) {
    s.requireOnly("rate", "seed", "data_format");
    if (s.has("data_format") && !"channels_last".equals(s.getString("data_format"))) {
      throw new IllegalArgumentException(type + " data_format=" + s.getString("data_format")
          + " is not supported (only channels_last)");
    }
    return factory.create(s.getDouble("rate"), s.has("seed") ? s.getLong("seed") : null);
  }

  interface Factory<L> {
    L create(double rate, @Nullable Long seed);
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }

}
