package dev.topiary.dsl.layers.activations;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.ElementwiseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Keras' {@code LeakyReLU} layer: x for x &gt;= 0, {@code negative_slope * x} below (Keras 3's option
 * name and default, 0.3), computed as {@code relu(x) - negative_slope * relu(-x)}.
 */
public final class LeakyReLU extends ElementwiseLayer<LeakyReLU> implements LoweredLayer {
  /** The type: Keras 3's {@code LeakyReLU} with its {@code negative_slope}. */
  public static final LayerType<LeakyReLU> TYPE = LayerType.of("LeakyReLU", LeakyReLU.class, LeakyReLU::fromConfig)
      .with(KerasForm.class, KerasForm.of("LeakyReLU", "negative_slope"));

  private final double negativeSlope;

  private LeakyReLU(@Nullable String name, double negativeSlope) {
    super(name, null);
    if (!(negativeSlope >= 0) || Double.isInfinite(negativeSlope)) { // as Keras 3 checks it
      throw new IllegalArgumentException("LeakyReLU negative_slope must be a finite value >= 0, got " + negativeSlope);
    }
    this.negativeSlope = negativeSlope;
  }

  /** Keras' default slope, 0.3. */
  public static LeakyReLU of() {
    return new LeakyReLU(null, 0.3);
  }

  public static LeakyReLU of(double negativeSlope) {
    return new LeakyReLU(null, negativeSlope);
  }

  public double negativeSlope() {
    return negativeSlope;
  }

  @Override
  protected LeakyReLU copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new LeakyReLU(name, negativeSlope);
  }

  @Override
  public String typeName() {
    return "LeakyReLU";
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T x = inputs.get(0);
    T negative = p.activation(Activation.RELU, p.unary(Primitives.Unary.NEGATE, x));
    return p.subtract(p.activation(Activation.RELU, x), p.multiply(p.scalar((float) negativeSlope), negative));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("negative_slope", negativeSlope);
  }

  private static LeakyReLU fromConfig(Settings s) {
    s.requireOnly("negative_slope");
    return new LeakyReLU(null, s.has("negative_slope") ? s.getDouble("negative_slope") : 0.3);
  }
}
