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
  /** Keras' {@code noise_shape} (-1: the input's size on that axis), or null: one draw per value. */
  private final long @Nullable [] noiseShape;

  private Dropout(@Nullable String name, double rate, long @Nullable [] noiseShape) {
    super(name, null);
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("Dropout rate must be in [0, 1), got " + rate);
    }
    if (noiseShape != null) {
      for (long d : noiseShape) {
        if (d == 0 || d < -1) {
          throw new IllegalArgumentException("Dropout noise_shape sizes must be >= 1 (or -1: the input's), got "
              + java.util.Arrays.toString(noiseShape));
        }
      }
    }
    this.rate = rate;
    this.noiseShape = noiseShape == null ? null : noiseShape.clone();
  }

  public static Dropout of(double rate) {
    return new Dropout(null, rate, null);
  }

  /**
   * A copy drawing one keep/drop per cell of {@code shape} (batch included; -1 takes the input's size),
   * broadcast over the input: EfficientNet's stochastic depth drops whole examples with
   * {@code (-1, 1, 1, 1)}.
   */
  public Dropout noiseShape(long... shape) {
    return new Dropout(name(), rate, shape);
  }

  public double rate() {
    return rate;
  }

  @Override
  protected Dropout copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Dropout(name, rate, noiseShape);
  }

  @Override
  public String typeName() {
    return "Dropout";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    if (noiseShape != null && noiseShape.length != in.numDimensions()) {
      throw new dev.topiary.dsl.layers.LayerShapeException(describe() + ": noise_shape "
          + java.util.Arrays.toString(noiseShape) + " does not have the rank of input " + dev.topiary.dsl.layers.Shapes.format(in));
    }
    return in;
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    if (!context.training() || rate == 0) {
      return x;
    }
    return drop(context, x, rate, noiseShape);
  }

  /**
   * {@code x} with each cell of {@code noiseShape} (null: every value; -1: the input's size on that axis)
   * kept with probability {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}, drawn statelessly
   * ({@link LayerContext#statelessSeed}). SpatialDropout is this with one draw per (example, channel).
   */
  public static Operand<TFloat32> drop(LayerContext context, Operand<TFloat32> x, double rate, long @Nullable [] noiseShape) {
    Ops tf = context.tf();
    Operand<org.tensorflow.types.TInt32> shape = tf.shape(x);
    if (noiseShape != null) { // -1: the input's size on that axis
      List<Operand<org.tensorflow.types.TInt32>> dims = new java.util.ArrayList<>();
      for (int i = 0; i < noiseShape.length; i++) {
        dims.add(noiseShape[i] < 0 ? tf.slice(shape, tf.constant(new int[] {i}), tf.constant(new int[] {1}))
            : tf.constant(new int[] {(int) noiseShape[i]}));
      }
      shape = tf.concat(dims, tf.constant(0));
    }
    Operand<TFloat32> noise = tf.random.statelessRandomUniform(shape, context.statelessSeed(), TFloat32.class);
    Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(noise, tf.constant((float) rate)), TFloat32.class);
    return tf.math.mul(x, tf.math.mul(keep, tf.constant((float) (1 / (1 - rate)))));
  }

  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("rate", rate);
    return noiseShape == null ? s : s.put("noise_shape", java.util.Arrays.stream(noiseShape).boxed().toList());
  }

  private static Dropout fromConfig(Settings s) {
    Dropout d = Dropout.of(s.getDouble("rate"));
    return s.has("noise_shape") ? d.noiseShape(s.getLongs("noise_shape")) : d;
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
