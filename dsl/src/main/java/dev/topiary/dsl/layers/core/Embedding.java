package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Token ids {@code (batch, length)} to vectors {@code (batch, length, dim)}: a lookup in the
 * {@code embeddings} matrix {@code [vocabulary, dim]} (uniform in [-0.05, 0.05), Keras' default), which
 * is prunable. Ids arrive as float32 model inputs (exact up to 2^24) and must lie in [0, vocabulary).
 */
public final class Embedding extends BaseLayer<Embedding> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Embedding> TYPE = LayerType.of("Embedding", Embedding.class, Embedding::fromConfig)
      .with(KerasForm.class, KerasForm.of("Embedding", "input_dim", "output_dim", "mask_zero")
          .withDefault("mask_zero", false).ignoring("input_length")); // tf.keras 2's: the input shape says it

  private final int vocabulary;
  private final int dim;
  private final boolean maskZero;

  private Embedding(@Nullable String name, @Nullable PruningSpec pruning, int vocabulary, int dim, boolean maskZero) {
    super(name, pruning);
    if (vocabulary < 1 || dim < 1) {
      throw new IllegalArgumentException("Embedding needs vocabulary >= 1 and dim >= 1, got " + vocabulary + ", " + dim);
    }
    this.vocabulary = vocabulary;
    this.dim = dim;
    this.maskZero = maskZero;
  }

  public static Embedding of(int vocabulary, int dim) {
    return new Embedding(null, null, vocabulary, dim, false);
  }

  /**
   * Id 0 is padding: the output carries a mask, false at padded steps, that recurrent layers and 1-D
   * pooling honour (Keras' {@code mask_zero}).
   */
  public Embedding maskZero(boolean maskZero) {
    return new Embedding(name(), pruning().orElse(null), vocabulary, dim, maskZero);
  }

  /** Whether index 0 is padding: it masks the timesteps that hold it. */
  public boolean maskZero() {
    return maskZero;
  }

  /** The vocabulary size (Keras' {@code input_dim}). */
  public int inputDim() {
    return vocabulary;
  }

  /** The embedding width (Keras' {@code output_dim}). */
  public int outputDim() {
    return dim;
  }

  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return maskZero ? context.tf().math.notEqual(inputs.get(0), context.tf().constant(0f)) : null;
  }

  @Override
  protected Embedding copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Embedding(name, pruning, vocabulary, dim, maskZero);
  }

  @Override
  public String typeName() {
    return "Embedding";
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("embeddings");
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 2, "(batch, length) of token ids");
    return Shape.of(in.get(0), in.get(1), dim);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return List.of(WeightSpec.ofTrainable("embeddings", Shape.of(vocabulary, dim), Initializer.uniform(0.05)));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TInt32> ids = tf.dtypes.cast(inputs.get(0), TInt32.class);
    return tf.gather(context.weight("embeddings"), ids, tf.constant(0));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("input_dim", vocabulary).put("output_dim", dim).put("mask_zero", maskZero);
  }

  private static Embedding fromConfig(Settings s) {
    return Embedding.of(s.getInt("input_dim"), s.getInt("output_dim")).maskZero(s.has("mask_zero") && s.getBoolean("mask_zero"));
  }
}
