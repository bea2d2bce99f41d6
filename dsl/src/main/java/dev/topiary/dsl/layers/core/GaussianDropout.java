package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.ElementwiseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code GaussianDropout}: multiplies by Gaussian noise of mean 1 and standard deviation {@code sqrt(rate / (1 - rate))} in training; the identity at inference. The draw is fixed by the model seed and the
 * training step, as {@link Dropout}'s; a seed in the Keras file is kept for writing it back only.
 */
public final class GaussianDropout extends ElementwiseLayer<GaussianDropout> implements LoweredLayer {
  /** The type: Keras' {@code GaussianDropout} with its {@code rate} and {@code seed}. */
  public static final LayerType<GaussianDropout> TYPE = LayerType.of("GaussianDropout", GaussianDropout.class, GaussianDropout::fromConfig)
      .with(KerasForm.class, KerasForm.of("GaussianDropout", "rate", "seed"));

  private final double rate;
  private final @Nullable Long seed;

  private GaussianDropout(@Nullable String name, double rate, @Nullable Long seed) {
    super(name, null);
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("GaussianDropout rate must be in [0, 1), got " + rate);
    }
    this.rate = rate;
    this.seed = seed;
  }

  public static GaussianDropout of(double rate) {
    return new GaussianDropout(null, rate, null);
  }

  public double rate() {
    return rate;
  }

  @Override
  protected GaussianDropout copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new GaussianDropout(name, rate, seed);
  }

  @Override
  public String typeName() {
    return "GaussianDropout";
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
    Ops tf = context.tf();
    Operand<TFloat32> noise = tf.random.statelessRandomNormal(tf.shape(x), context.statelessSeed(), TFloat32.class);
    return tf.math.mul(x, tf.math.add(tf.constant(1f), tf.math.mul(noise, tf.constant((float) Math.sqrt(rate / (1 - rate))))));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("rate", rate).put("seed", seed);
  }

  private static GaussianDropout fromConfig(Settings s) {
    s.requireOnly("rate", "seed");
    return new GaussianDropout(null, s.getDouble("rate"), s.has("seed") ? s.getLong("seed") : null);
  }
}
