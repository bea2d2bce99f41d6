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
 * Keras' {@code ReLU} layer: {@code max_value} if x &gt;= max_value, x if threshold &lt; x &lt; max_value,
 * {@code negative_slope * (x - threshold)} otherwise; by default {@code max(x, 0)}. Computed as Keras 3
 * computes it (x where x &gt; threshold else 0, clipped to [0, max_value], minus negative_slope times
 * relu(threshold - x)), so the values match Keras' to the bit where the ops do; {@code ReLU(max_value=6)}
 * is TF's Relu6, as MobileNet uses it.
 */
public final class ReLU extends ElementwiseLayer<ReLU> implements LoweredLayer {
  /** The type: its settings and its Keras form are Keras' own ({@code max_value}, {@code negative_slope}, {@code threshold}). */
  public static final LayerType<ReLU> TYPE = LayerType.of("ReLU", ReLU.class, ReLU::fromConfig)
      .with(KerasForm.class, KerasForm.of("ReLU", "max_value", "negative_slope", "threshold"));

  private final @Nullable Double maxValue;
  private final double negativeSlope;
  private final double threshold;

  private ReLU(@Nullable String name, @Nullable Double maxValue, double negativeSlope, double threshold) {
    super(name, null);
    if (maxValue != null && !(maxValue >= 0)) {
      throw new IllegalArgumentException("ReLU max_value must be >= 0 (or none), got " + maxValue);
    }
    if (!(negativeSlope >= 0) || Double.isInfinite(negativeSlope)) {
      throw new IllegalArgumentException("ReLU negative_slope must be a finite value >= 0, got " + negativeSlope);
    }
    if (!(threshold >= 0) || Double.isInfinite(threshold)) { // as Keras 3 checks it
      throw new IllegalArgumentException("ReLU threshold must be a finite value >= 0, got " + threshold);
    }
    this.maxValue = maxValue;
    this.negativeSlope = negativeSlope;
    this.threshold = threshold;
  }

  /** {@code max(x, 0)}. */
  public static ReLU of() {
    return new ReLU(null, null, 0, 0);
  }

  /** A copy saturating at {@code maxValue} (ReLU6: {@code ReLU.of().maxValue(6)}). */
  public ReLU maxValue(double maxValue) {
    return new ReLU(name(), maxValue, negativeSlope, threshold);
  }

  /** A copy with slope {@code slope} below the threshold (leaky). */
  public ReLU negativeSlope(double slope) {
    return new ReLU(name(), maxValue, slope, threshold);
  }

  /** A copy that is zero (or sloped) up to {@code threshold}. */
  public ReLU threshold(double threshold) {
    return new ReLU(name(), maxValue, negativeSlope, threshold);
  }

  /** The saturation value, or null for none. */
  public @Nullable Double maxValue() {
    return maxValue;
  }

  public double negativeSlope() {
    return negativeSlope;
  }

  public double threshold() {
    return threshold;
  }

  @Override
  protected ReLU copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new ReLU(name, maxValue, negativeSlope, threshold);
  }

  @Override
  public String typeName() {
    return "ReLU";
  }

  @Override
  public <T> T lower(Primitives<T> ops, List<T> inputs) {
    T x = inputs.get(0);
    if (negativeSlope == 0 && threshold == 0 && (maxValue == null || maxValue == 6)) {
      return ops.activation(maxValue == null ? Activation.RELU : Activation.RELU6, x);
    }
    T y;
    boolean clip = maxValue != null;
    if (threshold != 0) {
      y = ops.multiply(x, ops.binary(Primitives.Binary.GREATER, x, ops.scalar((float) threshold)));
    } else if (maxValue != null && maxValue == 6) {
      y = ops.activation(Activation.RELU6, x);
      clip = false;
    } else {
      y = ops.activation(Activation.RELU, x);
    }
    if (clip) {
      y = ops.binary(Primitives.Binary.MINIMUM, ops.binary(Primitives.Binary.MAXIMUM, y, ops.scalar(0f)),
          ops.scalar(maxValue.floatValue()));
    }
    if (negativeSlope != 0) {
      T below = threshold != 0 ? ops.add(ops.unary(Primitives.Unary.NEGATE, x), ops.scalar((float) threshold))
          : ops.unary(Primitives.Unary.NEGATE, x);
      y = ops.subtract(y, ops.multiply(ops.scalar((float) negativeSlope), ops.activation(Activation.RELU, below)));
    }
    return y;
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("max_value", maxValue).put("negative_slope", negativeSlope)
        .put("threshold", threshold);
  }

  private static ReLU fromConfig(Settings s) {
    s.requireOnly("max_value", "negative_slope", "threshold");
    return new ReLU(null, s.has("max_value") ? s.getDouble("max_value") : null,
        s.has("negative_slope") ? s.getDouble("negative_slope") : 0, s.has("threshold") ? s.getDouble("threshold") : 0);
  }
}
