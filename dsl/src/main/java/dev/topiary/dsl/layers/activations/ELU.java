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
 * Keras' {@code ELU} layer: x for x &gt; 0, {@code alpha * (exp(x) - 1)} otherwise (alpha 1 by default,
 * then the {@link Activation#ELU} op); other alphas as {@code relu(x) + alpha * (exp(min(x, 0)) - 1)}.
 */
public final class ELU extends ElementwiseLayer<ELU> implements LoweredLayer {
  /** The type: Keras' {@code ELU} with its {@code alpha}. */
  public static final LayerType<ELU> TYPE = LayerType.of("ELU", ELU.class, ELU::fromConfig)
      .with(KerasForm.class, KerasForm.of("ELU", "alpha"));

  private final double alpha;

  private ELU(@Nullable String name, double alpha) {
    super(name, null);
    if (!Double.isFinite(alpha)) {
      throw new IllegalArgumentException("ELU alpha must be finite, got " + alpha);
    }
    this.alpha = alpha;
  }

  /** alpha 1. */
  public static ELU of() {
    return new ELU(null, 1);
  }

  public static ELU of(double alpha) {
    return new ELU(null, alpha);
  }

  public double alpha() {
    return alpha;
  }

  @Override
  protected ELU copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new ELU(name, alpha);
  }

  @Override
  public String typeName() {
    return "ELU";
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T x = inputs.get(0);
    if (alpha == 1) {
      return p.activation(Activation.ELU, x);
    }
    T below = p.subtract(p.unary(Primitives.Unary.EXP, p.binary(Primitives.Binary.MINIMUM, x, p.scalar(0f))),
        p.scalar(1f));
    return p.add(p.activation(Activation.RELU, x), p.multiply(p.scalar((float) alpha), below));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("alpha", alpha);
  }

  private static ELU fromConfig(Settings s) {
    s.requireOnly("alpha");
    return new ELU(null, s.has("alpha") ? s.getDouble("alpha") : 1);
  }
}
