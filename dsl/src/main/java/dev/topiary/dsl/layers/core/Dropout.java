package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Zeroes a fraction {@code rate} of its inputs during training and scales the rest by
 * {@code 1 / (1 - rate)}; the identity at inference. The random draw is fixed by the model seed and
 * the training step.
 */
public final class Dropout extends BaseLayer<Dropout> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Dropout> TYPE = LayerType.of("Dropout", Dropout.class, Dropout::fromConfig);

  private final double rate;

  private Dropout(@Nullable String name, double rate) {
    super(name, null);
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("Dropout rate must be in [0, 1), got " + rate);
    }
    this.rate = rate;
  }

  public static Dropout of(double rate) {
    return new Dropout(null, rate);
  }

  public double rate() {
    return rate;
  }

  @Override
  protected Dropout copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Dropout(name, rate);
  }

  @Override
  public String typeName() {
    return "Dropout";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    return sameShape(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!context.training() || rate == 0) {
      return x;
    }
    Ops tf = context.tf();
    // Stateless: the draw depends only on (layer seed, step), so resumed training repeats it exactly.
    Operand<org.tensorflow.types.TInt64> seed =
        tf.stack(java.util.List.of(tf.constant(context.seed()), context.step()));
    Operand<TFloat32> noise = tf.random.statelessRandomUniform(tf.shape(x), seed, TFloat32.class);
    Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(noise, tf.constant((float) rate)), TFloat32.class);
    return tf.math.mul(x, tf.math.mul(keep, tf.constant((float) (1 / (1 - rate)))));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("rate", rate);
  }

  private static Dropout fromConfig(Settings s) {
    return Dropout.of(s.getDouble("rate"));
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
