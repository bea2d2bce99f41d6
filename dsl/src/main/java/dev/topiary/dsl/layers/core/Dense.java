package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Fully connected layer: {@code activation(x . kernel + bias)} over the last axis. Kernel
 * {@code [in, units]} (Glorot uniform), bias {@code [units]} (zeros). Its kernel is prunable.
 *
 * <p>Subclasses keep the kernel prunable; override {@link #copy} to keep their own settings.
 */
public class Dense extends BaseLayer<Dense> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Dense> TYPE = LayerType.of("Dense", Dense.class, Dense::fromConfig)
      .with(KerasForm.class, KerasForm.of("Dense", "units", "activation", "use_bias").withActivations("activation")
          .withDefault("activation", "linear").withDefault("use_bias", true));

  private final int units;
  private final Activation activation;
  private final boolean useBias;

  protected Dense(@Nullable String name, @Nullable PruningSpec pruning, int units, Activation activation, boolean useBias) {
    super(name, pruning);
    if (units < 1) {
      throw new IllegalArgumentException("Dense units must be >= 1, got " + units);
    }
    this.units = units;
    this.activation = activation == null ? Activation.LINEAR : activation;
    this.useBias = useBias;
  }

  /** {@code units} outputs, linear activation, with bias. */
  public static Dense of(int units) {
    return new Dense(null, null, units, Activation.LINEAR, true);
  }

  public static Dense of(int units, Activation activation) {
    return new Dense(null, null, units, activation, true);
  }

  public Dense activation(Activation activation) {
    return new Dense(name(), pruning().orElse(null), units, activation, useBias);
  }

  public Dense useBias(boolean useBias) {
    return new Dense(name(), pruning().orElse(null), units, activation, useBias);
  }

  public int units() {
    return units;
  }

  public Activation activation() {
    return activation;
  }

  public boolean useBias() {
    return useBias;
  }

  @Override
  protected Dense copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Dense(name, pruning, units, activation, useBias);
  }

  @Override
  public String typeName() {
    return "Dense";
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("kernel");
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    requireInputs(inputShapes, 1);
    Shape in = inputShapes.get(0);
    if (in.numDimensions() < 2 || in.get(in.numDimensions() - 1) < 0) {
      throw new LayerShapeException(
          describe() + " needs input of shape (batch, ..., features) with known features, got " + Shapes.format(in));
    }
    long[] dims = in.asArray();
    dims[dims.length - 1] = units;
    return Shape.of(dims);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    Shape in = inputShapes.get(0);
    long features = in.get(in.numDimensions() - 1);
    return WeightSpec.kernelAndBias(Shape.of(features, units), units, useBias);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    Operand<TFloat32> kernel = context.weight("kernel");
    Operand<TFloat32> y;
    if (x.shape().numDimensions() == 2) {
      y = tf.linalg.matMul(x, kernel);
    } else {
      // Keras' Dense on rank >= 3: applies to the last axis (a tensordot over it). Flatten the leading
      // axes, multiply, then restore them with units last.
      long features = kernel.shape().get(0);
      int rank = x.shape().numDimensions();
      Operand<TFloat32> flat = tf.reshape(x, tf.constant(new long[] {-1, features}));
      long[] target = x.shape().asArray();
      target[0] = -1;
      target[target.length - 1] = units;
      boolean known = true;
      for (int i = 1; i < target.length; i++) {
        known &= target[i] >= 0;
      }
      if (known) {
        y = tf.reshape(tf.linalg.matMul(flat, kernel), tf.constant(target));
      } else {
        // Another leading dimension than the batch is unknown: read them all at run time.
        Operand<org.tensorflow.types.TInt64> leading = tf.slice(tf.shape(x, org.tensorflow.types.TInt64.class),
            tf.constant(new long[] {0}), tf.constant(new long[] {rank - 1}));
        y = tf.reshape(tf.linalg.matMul(flat, kernel),
            tf.concat(List.of(leading, tf.constant(new long[] {units})), tf.constant(0)));
      }
    }
    if (useBias) {
      y = tf.nn.biasAdd(y, context.weight("bias"));
    }
    return activation.apply(tf, y);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("units", units).put("activation", activation.kerasName()).put("use_bias", useBias);
  }

  private static Dense fromConfig(Settings s) {
    return Dense.of(s.getInt("units"), Activation.parse(s.getString("activation"))).useBias(s.getBoolean("use_bias"));
  }

  /** Keeps the steps, so the mask passes through (Keras 3: {@code supports_masking}). */
  @Override
  public org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> outputMask(
      dev.topiary.dsl.layers.LayerContext context, java.util.List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs,
      org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
