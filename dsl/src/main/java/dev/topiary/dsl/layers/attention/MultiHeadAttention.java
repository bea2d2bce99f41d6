package dev.topiary.dsl.layers.attention;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.core.Dropout;
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
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Keras' MultiHeadAttention: {@code apply(query)} (self-attention), {@code apply(query, value)} or
 * {@code apply(query, value, key)} over {@code (batch, steps, features)}. Projections
 * {@code query/key/value_kernel [features, heads, keyDim]} with biases, {@code output_kernel
 * [heads, keyDim, queryFeatures]}; scaled dot-product attention, softmax over the value steps. The four
 * projection kernels are prunable, as in the reference.
 */
public final class MultiHeadAttention extends BaseLayer<MultiHeadAttention> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<MultiHeadAttention> TYPE =
      LayerType.of("MultiHeadAttention", MultiHeadAttention.class, MultiHeadAttention::fromConfig);

  private final int heads;
  private final int keyDim;
  private final double dropout;
  private final boolean causal;

  private MultiHeadAttention(@Nullable String name, @Nullable PruningSpec pruning, int heads, int keyDim, double dropout,
      boolean causal) {
    super(name, pruning);
    if (heads < 1 || keyDim < 1) {
      throw new IllegalArgumentException("MultiHeadAttention needs heads >= 1 and keyDim >= 1, got " + heads + ", " + keyDim);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("MultiHeadAttention dropout must be in [0, 1), got " + dropout);
    }
    this.heads = heads;
    this.keyDim = keyDim;
    this.dropout = dropout;
    this.causal = causal;
  }

  public static MultiHeadAttention of(int heads, int keyDim) {
    return new MultiHeadAttention(null, null, heads, keyDim, 0, false);
  }

  /** Drops attention weights at this rate while training (Keras' {@code dropout}); none at inference. */
  public MultiHeadAttention dropout(double rate) {
    return new MultiHeadAttention(name(), pruning().orElse(null), heads, keyDim, rate, causal);
  }

  public double dropout() {
    return dropout;
  }

  /**
   * Query step i attends to value steps {@code j <= i} only, a decoder's self-attention (Keras' call argument
   * {@code use_causal_mask=True}, kept here with the layer since a Topiary layer has no call arguments).
   */
  public MultiHeadAttention causal(boolean on) {
    return new MultiHeadAttention(name(), pruning().orElse(null), heads, keyDim, dropout, on);
  }

  public boolean causal() {
    return causal;
  }

  @Override
  protected MultiHeadAttention copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new MultiHeadAttention(name, pruning, heads, keyDim, dropout, causal);
  }

  public int numHeads() {
    return heads;
  }

  /** Each head's query and key width (Keras' {@code key_dim}). */
  public int keyDim() {
    return keyDim;
  }

  @Override
  public String typeName() {
    return "MultiHeadAttention";
  }

  @Override
  public int inputCount() {
    return -1;
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("query_kernel", "key_kernel", "value_kernel", "output_kernel");
  }

  private Shape query(List<Shape> in) {
    return in.get(0);
  }

  private Shape value(List<Shape> in) {
    return in.size() > 1 ? in.get(1) : in.get(0);
  }

  private Shape key(List<Shape> in) {
    return in.size() > 2 ? in.get(2) : value(in);
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    if (inputShapes.isEmpty() || inputShapes.size() > 3) {
      throw new LayerShapeException(describe() + " takes query[, value[, key]], got " + inputShapes.size() + " inputs");
    }
    for (Shape s : inputShapes) {
      if (s.numDimensions() != 3 || s.hasUnknownDimension() && (s.get(1) < 0 || s.get(2) < 0)) {
        throw new LayerShapeException(describe() + " expects (batch, steps, features) inputs with known steps and"
            + " features, got " + Shapes.format(s));
      }
    }
    if (key(inputShapes).get(1) != value(inputShapes).get(1)) {
      throw new LayerShapeException(describe() + " needs key and value of the same length, got key "
          + Shapes.format(key(inputShapes)) + " and value " + Shapes.format(value(inputShapes)));
    }
    return query(inputShapes);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long q = query(inputShapes).get(2);
    long k = key(inputShapes).get(2);
    long v = value(inputShapes).get(2);
    Shape bias = Shape.of(heads, keyDim);
    return List.of(
        WeightSpec.ofTrainable("query_kernel", Shape.of(q, heads, keyDim), Initializer.GLOROT_UNIFORM),
        WeightSpec.ofTrainable("query_bias", bias, Initializer.ZEROS),
        WeightSpec.ofTrainable("key_kernel", Shape.of(k, heads, keyDim), Initializer.GLOROT_UNIFORM),
        WeightSpec.ofTrainable("key_bias", bias, Initializer.ZEROS),
        WeightSpec.ofTrainable("value_kernel", Shape.of(v, heads, keyDim), Initializer.GLOROT_UNIFORM),
        WeightSpec.ofTrainable("value_bias", bias, Initializer.ZEROS),
        WeightSpec.ofTrainable("output_kernel", Shape.of(heads, keyDim, q), Initializer.GLOROT_UNIFORM),
        WeightSpec.ofTrainable("output_bias", Shape.of(q), Initializer.ZEROS));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> query = inputs.get(0);
    Operand<TFloat32> value = inputs.size() > 1 ? inputs.get(1) : query;
    Operand<TFloat32> key = inputs.size() > 2 ? inputs.get(2) : value;
    Operand<TFloat32> q = project(tf, query, context.weight("query_kernel"), context.weight("query_bias"));
    Operand<TFloat32> k = project(tf, key, context.weight("key_kernel"), context.weight("key_bias"));
    Operand<TFloat32> v = project(tf, value, context.weight("value_kernel"), context.weight("value_bias"));
    // Einsum has a gradient in TF Java; BatchMatMul does not.
    Operand<TFloat32> scores = tf.math.mul(tf.linalg.einsum(List.of(q, k), "bqhd,bkhd->bhqk"),
        tf.constant((float) (1 / Math.sqrt(keyDim))));
    Operand<TBool> allowed = attentionMask(tf, context.inputMasks(), inputs.size());
    if (causal) {
      Operand<TBool> lower = tf.constant(causalMask((int) query.shape().get(1), (int) value.shape().get(1)));
      allowed = allowed == null ? lower : tf.math.logicalAnd(allowed, lower);
    }
    if (allowed != null) { // (batch, 1, T, S) over (batch, heads, T, S), as Keras' masked softmax: -1e9 where masked
      scores = tf.select(tf.expandDims(allowed, tf.constant(1)), scores, tf.constant(-1e9f));
    }
    Operand<TFloat32> attention = tf.nn.softmax(scores);
    if (context.training() && dropout > 0) {
      attention = Dropout.drop(context, attention, dropout, null);
    }
    Operand<TFloat32> context2 = tf.linalg.einsum(List.of(attention, v), "bhqk,bkhd->bqhd");
    return tf.math.add(tf.linalg.einsum(List.of(context2, context.weight("output_kernel")), "bqhd,hdo->bqo"),
        context.weight("output_bias"));
  }

  /**
   * Keras 3's automatic attention mask, {@code (batch, T, S)}, from its inputs' masks (a {@code mask_zero}
   * Embedding's): the query's mask over T, the value's and (given apart) the key's over S, ANDed; null
   * when no input is masked.
   */
  private static @Nullable Operand<TBool> attentionMask(Ops tf, List<@Nullable Operand<TBool>> masks, int inputs) {
    Operand<TBool> query = masks.get(0);
    Operand<TBool> value = inputs > 1 ? masks.get(1) : query; // apply(query) attends to the query itself
    Operand<TBool> key = inputs > 2 ? masks.get(2) : null;
    Operand<TBool> out = query == null ? null : tf.expandDims(query, tf.constant(-1));
    for (Operand<TBool> m : java.util.Arrays.asList(value, key)) {
      if (m != null) {
        Operand<TBool> columns = tf.expandDims(m, tf.constant(-2));
        out = out == null ? columns : tf.math.logicalAnd(out, columns);
      }
    }
    return out;
  }

  /**
   * Keras' causal mask, {@code [1, T, S]}: query step i sees value steps {@code j <= i} (its cumulative-sum form
   * {@code row >= column}, also for T != S).
   */
  public static boolean[][][] causalMask(int queries, int values) {
    boolean[][][] m = new boolean[1][queries][values];
    for (int i = 0; i < queries; i++) {
      for (int j = 0; j < values; j++) {
        m[0][i][j] = i >= j;
      }
    }
    return m;
  }

  /** The query's mask goes on, as in Keras 3. */
  @Override
  public @Nullable Operand<TBool> outputMask(LayerContext context, List<Operand<TFloat32>> inputs,
      @Nullable Operand<TBool> inputMask) {
    return inputMask;
  }

  private static Operand<TFloat32> project(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, Operand<TFloat32> bias) {
    return tf.math.add(tf.linalg.einsum(List.of(x, kernel), "btf,fhd->bthd"), bias);
  }

  @Override
  public Settings config() {
    Settings s = Settings.of(typeName()).put("num_heads", heads).put("key_dim", keyDim);
    // options only when set, so configs written before they existed read and write the same
    if (dropout != 0) {
      s.put("dropout", dropout);
    }
    return causal ? s.put("use_causal_mask", true) : s;
  }

  private static MultiHeadAttention fromConfig(Settings s) {
    MultiHeadAttention l = MultiHeadAttention.of(s.getInt("num_heads"), s.getInt("key_dim"));
    l = s.has("dropout") ? l.dropout(s.getDouble("dropout")) : l;
    return s.has("use_causal_mask") ? l.causal(s.getBoolean("use_causal_mask")) : l;
  }
}
