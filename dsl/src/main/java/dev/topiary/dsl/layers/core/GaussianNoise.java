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
 * Keras' {@code GaussianNoise}: adds zero-mean Gaussian noise of standard deviation {@code stddev} in training; the identity at inference. The draw is fixed by the model seed and the
 * training step, as {@link Dropout}'s; a seed in the Keras file is kept for writing it back only.
 */
public final class GaussianNoise extends ElementwiseLayer<GaussianNoise> implements LoweredLayer {
  /** The type: Keras' {@code GaussianNoise} with its {@code stddev} and {@code seed}. */
  public static final LayerType<GaussianNoise> TYPE = LayerType.of("GaussianNoise", GaussianNoise.class, GaussianNoise::fromConfig)
      .with(KerasForm.class, KerasForm.of("GaussianNoise", "stddev", "seed"));

  private final double stddev;
  private final @Nullable Long seed;

  private GaussianNoise(@Nullable String name, double stddev, @Nullable Long seed) {
    super(name, null);
    if (!(stddev >= 0) || Double.isInfinite(stddev)) {
      throw new IllegalArgumentException("GaussianNoise stddev must be a finite value >= 0, got " + stddev);
    }
    this.stddev = stddev;
    this.seed = seed;
  }

  public static GaussianNoise of(double stddev) {
    return new GaussianNoise(null, stddev, null);
  }

  public double stddev() {
    return stddev;
  }

  @Override
  protected GaussianNoise copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new GaussianNoise(name, stddev, seed);
  }

  @Override
  public String typeName() {
    return "GaussianNoise";
  }

  /** Inference: the identity. */
  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return inputs.get(0);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!context.training() || stddev == 0) {
      return x;
    }
    Ops tf = context.tf();
    Operand<TFloat32> noise = tf.random.statelessRandomNormal(tf.shape(x), context.statelessSeed(), TFloat32.class);
    return tf.math.add(x, tf.math.mul(noise, tf.constant((float) stddev)));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("stddev", stddev).put("seed", seed);
  }

  private static GaussianNoise fromConfig(Settings s) {
    s.requireOnly("stddev", "seed");
    return new GaussianNoise(null, s.getDouble("stddev"), s.has("seed") ? s.getLong("seed") : null);
  }
}
