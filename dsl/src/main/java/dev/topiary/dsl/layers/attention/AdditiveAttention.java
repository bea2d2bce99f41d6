package dev.topiary.dsl.layers.attention;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * Keras' {@code AdditiveAttention} (Bahdanau-style): as {@link Attention}, with scores
 * {@code sum(scale * tanh(query + key))} over the last axis, {@code scale} a trained vector of
 * {@code dim} values ({@code use_scale}, Keras' default) or 1. The scale weighs features, it is not a
 * connection: nothing is pruned. Masks and attention dropout are not supported.
 */
public final class AdditiveAttention extends BaseLayer<AdditiveAttention> implements LoweredLayer {
  /** The type: Keras' {@code AdditiveAttention} with {@code use_scale} and {@code dropout} 0. */
  public static final LayerType<AdditiveAttention> TYPE = LayerType.of("AdditiveAttention", AdditiveAttention.class,
      AdditiveAttention::fromConfig).with(KerasForm.class, KerasForm.of("AdditiveAttention", "use_scale", "dropout", "seed"));

  private final boolean useScale;

  private AdditiveAttention(@Nullable String name, boolean useScale) {
    super(name, null);
    this.useScale = useScale;
  }

  /** With a trained scale vector (Keras' default). */
  public static AdditiveAttention of() {
    return new AdditiveAttention(null, true);
  }

  public AdditiveAttention useScale(boolean on) {
    return new AdditiveAttention(name(), on);
  }

  @Override
  protected AdditiveAttention copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new AdditiveAttention(name, useScale);
  }

  @Override
  public String typeName() {
    return "AdditiveAttention";
  }

  @Override
  public int inputCount() {
    return -1;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    return Attention.checkedOutputShape(describe(), inputShapes);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return useScale
        ? List.of(WeightSpec.ofTrainable("scale", Shape.of(inputShapes.get(0).get(2)), Initializer.GLOROT_UNIFORM))
        : List.of();
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return Attention.weightedValues(p, scores(p, inputs), inputs.get(1));
  }

  @Override
  public org.tensorflow.Operand<org.tensorflow.types.TFloat32> call(dev.topiary.dsl.layers.LayerContext context,
      List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs) {
    return Attention.masked(context, inputs, this::scores);
  }

  /** The query's mask goes on, as in Keras 3. */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(dev.topiary.dsl.layers.LayerContext context,
      List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs,
      org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }

  private <T> T scores(Primitives<T> p, List<T> inputs) {
    T q = inputs.get(0);
    T v = inputs.get(1);
    T k = inputs.size() == 3 ? inputs.get(2) : v;
    T t = p.activation(Activation.TANH, p.add(Attention.queryRows(p, q), Attention.keyColumns(p, k)));
    if (useScale) {
      t = p.multiply(t, p.weight("scale"));
    }
    return Attention.sumLast(p, t);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("use_scale", useScale).put("dropout", 0.0);
  }

  private static AdditiveAttention fromConfig(Settings s) {
    s.requireOnly("use_scale", "dropout", "seed");
    Attention.checkNoDropout("AdditiveAttention", s);
    return new AdditiveAttention(null, !s.has("use_scale") || s.getBoolean("use_scale"));
  }
}
