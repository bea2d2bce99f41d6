package dev.topiary.dsl.layers.normalization;

import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Batch normalization over the last axis (Keras defaults: momentum 0.99, epsilon 1e-3, center and
 * scale). Training normalizes with the batch statistics and updates the moving ones; inference uses
 * the moving statistics. Weights: gamma, beta (trained; absent with scale, center off), moving_mean,
 * moving_variance (not trained).
 */
public final class BatchNormalization extends BaseLayer<BatchNormalization> implements LoweredLayer {
  /** Reads this layer type from a saved config. */
  public static final LayerType<BatchNormalization> TYPE =
      LayerType.of("BatchNormalization", BatchNormalization.class, BatchNormalization::fromConfig)
          // axis is checked against the input's rank when the layer is applied (the keras module's reader);
          // synchronized only syncs statistics across devices; renorm's other options act only with renorm.
          .with(KerasForm.class, KerasForm.of("BatchNormalization", "momentum", "epsilon", "center", "scale")
              .withDefault("momentum", 0.99).withDefault("epsilon", 1e-3).withConstant("axis", -1)
              .withRequired("renorm", false).ignoring("axis", "synchronized", "renorm_clipping", "renorm_momentum"));

  private final float momentum;
  private final float epsilon;
  private final boolean center;
  private final boolean scale;

  private BatchNormalization(@Nullable String name, float momentum, float epsilon, boolean center, boolean scale) {
    super(name, null);
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException("BatchNormalization momentum must be in [0, 1], got " + momentum);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("BatchNormalization epsilon must be > 0, got " + epsilon);
    }
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
  }

  public static BatchNormalization of() {
    return new BatchNormalization(null, 0.99f, 1e-3f, true, true);
  }

  public BatchNormalization momentum(float momentum) {
    return new BatchNormalization(name(), momentum, epsilon, center, scale);
  }

  public BatchNormalization epsilon(float epsilon) {
    return new BatchNormalization(name(), momentum, epsilon, center, scale);
  }

  public float epsilon() {
    return epsilon;
  }

  /** A copy with or without the shift {@code beta} (Keras' {@code center}). */
  public BatchNormalization center(boolean center) {
    return new BatchNormalization(name(), momentum, epsilon, center, scale);
  }

  /** A copy with or without the scale {@code gamma} (Keras' {@code scale}; InceptionV3 has none). */
  public BatchNormalization scale(boolean scale) {
    return new BatchNormalization(name(), momentum, epsilon, center, scale);
  }

  @Override
  protected BatchNormalization copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new BatchNormalization(name, momentum, epsilon, center, scale);
  }

  @Override
  public String typeName() {
    return "BatchNormalization";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    requireInputs(inputShapes, 1);
    Shape in = inputShapes.get(0);
    if (in.numDimensions() < 2 || in.get(in.numDimensions() - 1) < 0) {
      throw new LayerShapeException(describe() + " needs input with a known last axis, got " + Shapes.format(in));
    }
    return in;
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    Shape in = inputShapes.get(0);
    Shape channels = Shape.of(in.get(in.numDimensions() - 1));
    // Keras' order: gamma, beta (each only if on), moving_mean, moving_variance.
    List<WeightSpec> out = new java.util.ArrayList<>();
    if (scale) {
      out.add(WeightSpec.ofTrainable("gamma", channels, Initializer.ONES));
    }
    if (center) {
      out.add(WeightSpec.ofTrainable("beta", channels, Initializer.ZEROS));
    }
    out.add(WeightSpec.frozen("moving_mean", channels, Initializer.ZEROS));
    out.add(WeightSpec.frozen("moving_variance", channels, Initializer.ONES));
    return List.copyOf(out);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    int rank = x.shape().numDimensions();
    long channels = x.shape().get(rank - 1);
    // Without scale or center the fused op gets ones or zeros in their place.
    Operand<TFloat32> gamma = scale ? context.weight("gamma") : tf.constant(filled(channels, 1f));
    Operand<TFloat32> beta = center ? context.weight("beta") : tf.constant(filled(channels, 0f));
    if (context.training() && context.inputMask() != null) {
      return maskedTraining(context, x, gamma, beta);
    }
    // FusedBatchNorm wants NHWC, which a rank-4 input is (channels last); any other rank has its leading
    // axes folded into N and restored after. Not reshaping what is NHWC already saves four ops per call
    // and two more in the gradient, which TF walks at every new run signature.
    Operand<TFloat32> nhwc = rank == 4 ? x : tf.reshape(x, tf.constant(new long[] {-1, 1, 1, channels}));
    FusedBatchNorm<TFloat32, TFloat32> bn;
    if (context.training()) {
      Operand<TFloat32> empty = tf.constant(new float[0]);
      bn = tf.nn.fusedBatchNorm(nhwc, gamma, beta, empty, empty,
          FusedBatchNorm.epsilon(epsilon), FusedBatchNorm.isTraining(true), FusedBatchNorm.exponentialAvgFactor(1f));
      MovingAverage moving = new MovingAverage(tf);
      context.addUpdate(context.assign("moving_mean", moving.of(context.weight("moving_mean"), bn.batchMean())));
      context.addUpdate(context.assign("moving_variance",
          moving.of(context.weight("moving_variance"), bn.batchVariance())));
    } else {
      bn = tf.nn.fusedBatchNorm(nhwc, gamma, beta, context.weight("moving_mean"), context.weight("moving_variance"),
          FusedBatchNorm.epsilon(epsilon), FusedBatchNorm.isTraining(false));
    }
    return rank == 4 ? bn.y() : tf.reshape(bn.y(), tf.shape(x, TInt64.class));
  }

  private static float[] filled(long length, float value) {
    float[] out = new float[Math.toIntExact(length)];
    java.util.Arrays.fill(out, value);
    return out;
  }

  /**
   * Inference in primitives (TFLite, the sparse runtime): {@code x * scale + (beta - moving_mean * scale)}
   * with {@code scale = gamma / sqrt(moving_variance + epsilon)}, as TF's fused kernel folds it. Training
   * ({@link #call}) uses batch statistics and updates the moving ones, which only TF does.
   */
  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T inv = p.unary(Primitives.Unary.RSQRT, p.add(p.weight("moving_variance"), p.scalar(epsilon)));
    T factor = scale ? p.multiply(p.weight("gamma"), inv) : inv;
    T meanTimes = p.multiply(p.weight("moving_mean"), factor);
    T shift = center ? p.subtract(p.weight("beta"), meanTimes) : p.unary(Primitives.Unary.NEGATE, meanTimes);
    return p.add(p.multiply(inputs.get(0), factor), shift);
  }

  /**
   * This layer at inference per channel, from its weights by name ({@code weight.apply("moving_mean")} ...):
   * {@code x * scale + shift} with {@code scale = gamma / sqrt(moving_variance + epsilon)} (in double, then
   * float; gamma 1 with {@code scale} off) and {@code shift = beta - moving_mean * scale} (beta 0 with
   * {@code center} off): what {@link #lower} computes, for back ends that fold it into the layer before it
   * (the TFLite writer, the sparse runtime).
   */
  public Inference inference(java.util.function.Function<String, float[]> weight) {
    float[] mean = weight.apply("moving_mean");
    float[] variance = weight.apply("moving_variance");
    float[] gamma = scale ? weight.apply("gamma") : null;
    float[] beta = center ? weight.apply("beta") : new float[mean.length];
    float[] factor = new float[mean.length];
    for (int c = 0; c < mean.length; c++) {
      factor[c] = (float) ((gamma == null ? 1f : gamma[c]) / Math.sqrt(variance[c] + epsilon));
    }
    return new Inference(mean, factor, beta);
  }

  /** See {@link #inference}: the moving mean, the scale and beta (zeros with {@code center} off) per channel. */
  public record Inference(float[] mean, float[] scale, float[] beta) {
    /** {@code beta - mean * scale} per channel. */
    public float[] shift() {
      float[] shift = new float[mean.length];
      for (int c = 0; c < shift.length; c++) {
        shift[c] = beta[c] - mean[c] * scale[c];
      }
      return shift;
    }
  }

  /**
   * Training on masked steps (after a {@code mask_zero} Embedding): Keras 3 takes the batch statistics over
   * the real steps only, {@code sum(x) / (count + 1e-7)} and the biased variance likewise, and moves the
   * moving statistics with them; every step is normalized with them.
   */
  private Operand<TFloat32> maskedTraining(LayerContext context, Operand<TFloat32> x, Operand<TFloat32> gamma,
      Operand<TFloat32> beta) {
    Ops tf = context.tf();
    Operand<org.tensorflow.types.TBool> mask = context.inputMask();
    int rank = x.shape().numDimensions();
    if (mask.shape().numDimensions() != rank - 1) {
      throw new LayerShapeException(describe() + " gets a mask of rank " + mask.shape().numDimensions()
          + " for inputs of rank " + rank + ": Keras needs one less");
    }
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    Operand<org.tensorflow.types.TInt32> reduce = tf.constant(axes);
    Operand<org.tensorflow.types.TBool> real = tf.broadcastTo(tf.expandDims(mask, tf.constant(-1)), tf.shape(x));
    Operand<TFloat32> zeros = tf.constant(0f); // SelectV2 broadcasts it (ZerosLike has no gradient in TF Java)
    Operand<TFloat32> count = tf.math.add(tf.reduceSum(tf.dtypes.cast(real, TFloat32.class), reduce,
        org.tensorflow.op.core.ReduceSum.keepDims(true)), tf.constant(1e-7f));
    Operand<TFloat32> mean = tf.math.div(tf.reduceSum(tf.select(real, x, zeros), reduce,
        org.tensorflow.op.core.ReduceSum.keepDims(true)), count);
    Operand<TFloat32> centered = tf.math.sub(x, mean);
    Operand<TFloat32> variance = tf.math.div(tf.reduceSum(tf.math.square(tf.select(real, centered, zeros)), reduce,
        org.tensorflow.op.core.ReduceSum.keepDims(true)), count);
    Operand<TFloat32> flatMean = tf.reshape(mean, tf.constant(new long[] {-1}));
    Operand<TFloat32> flatVariance = tf.reshape(variance, tf.constant(new long[] {-1}));
    MovingAverage moving = new MovingAverage(tf);
    context.addUpdate(context.assign("moving_mean", moving.of(context.weight("moving_mean"), flatMean)));
    context.addUpdate(context.assign("moving_variance", moving.of(context.weight("moving_variance"), flatVariance)));
    Operand<TFloat32> inv = tf.math.mul(tf.math.rsqrt(tf.math.add(variance, tf.constant(epsilon))), gamma);
    return tf.math.add(tf.math.mul(centered, inv), beta);
  }

  /** {@code moving * momentum + batch * (1 - momentum)}, both factors made once for a call's two statistics. */
  private final class MovingAverage {
    private final Ops tf;
    private final Operand<TFloat32> keep;
    private final Operand<TFloat32> take;

    MovingAverage(Ops tf) {
      this.tf = tf;
      this.keep = tf.constant(momentum);
      this.take = tf.constant(1 - momentum);
    }

    Operand<TFloat32> of(Operand<TFloat32> moving, Operand<TFloat32> batch) {
      return tf.math.add(tf.math.mul(moving, keep), tf.math.mul(batch, take));
    }
  }

  @Override
  public Settings config() {
    // center/scale only when off, so configs saved before they existed read as they did
    Settings s = Settings.of(typeName()).put("momentum", (double) momentum).put("epsilon", (double) epsilon);
    if (!center) {
      s.put("center", false);
    }
    return scale ? s : s.put("scale", false);
  }

  private static BatchNormalization fromConfig(Settings s) {
    return BatchNormalization.of().momentum((float) s.getDouble("momentum")).epsilon((float) s.getDouble("epsilon"))
        .center(!s.has("center") || s.getBoolean("center")).scale(!s.has("scale") || s.getBoolean("scale"));
  }

  /** Keeps the steps, so the mask passes through (Keras 3: {@code supports_masking}). */
  @Override
  public org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> outputMask(
      dev.topiary.dsl.layers.LayerContext context, java.util.List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs,
      org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
