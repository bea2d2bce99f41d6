package dev.topiary.dsl.layers.attention;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Keras' {@code Attention}: Luong-style attention of a query sequence {@code (batch, Tq, dim)} over a
 * value sequence {@code (batch, Tv, dv)} (inputs {@code [query, value]} or {@code [query, value, key]},
 * the key {@code (batch, Tv, dim)} defaulting to the value). Scores are {@code query . key} (score mode
 * {@code dot}) or {@code sum(tanh(query + key))} ({@code concat}, times a trained scalar), optionally times
 * a trained scalar {@code scale} ({@code use_scale}); their softmax over {@code Tv} weights the values:
 * the output is {@code (batch, Tq, dv)}. Its one or two scalars are not connections: nothing is pruned.
 *
 * <p>A {@link LoweredLayer}: the batched products are written as broadcast multiplies and means over an
 * axis (times its size), so graph, eager, {@code .tflite} and the sparse runtime run it with no code of
 * their own; the intermediate is {@code Tq x Tv x dim} per example, fine for the sequence lengths of
 * encoder-decoder models of this size. Masks and attention dropout are not supported (a Keras file with
 * {@code dropout > 0} fails naming the option).
 */
public final class Attention extends BaseLayer<Attention> implements LoweredLayer {
  /** The type: Keras' {@code Attention} with {@code use_scale}, {@code score_mode} (dot, concat), {@code dropout} 0. */
  public static final LayerType<Attention> TYPE = LayerType.of("Attention", Attention.class, Attention::fromConfig)
      .with(KerasForm.class, KerasForm.of("Attention", "use_scale", "score_mode", "dropout", "seed"));

  /** How query and key are scored. */
  public enum ScoreMode {
    /** {@code query . key} (Luong's dot score). */
    DOT,
    /** {@code concat_score_weight * sum(tanh(query + key))}. */
    CONCAT
  }

  private final boolean useScale;
  private final ScoreMode scoreMode;

  private Attention(@Nullable String name, boolean useScale, ScoreMode scoreMode) {
    super(name, null);
    this.useScale = useScale;
    this.scoreMode = scoreMode;
  }

  /** Dot-product scores, no scale (Keras' defaults). */
  public static Attention of() {
    return new Attention(null, false, ScoreMode.DOT);
  }

  /** With ({@code true}) or without a trained scalar scale of the scores. */
  public Attention useScale(boolean on) {
    return new Attention(name(), on, scoreMode);
  }

  public Attention scoreMode(ScoreMode mode) {
    return new Attention(name(), useScale, mode);
  }

  @Override
  protected Attention copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Attention(name, useScale, scoreMode);
  }

  @Override
  public String typeName() {
    return "Attention";
  }

  @Override
  public int inputCount() {
    return -1;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    return checkedOutputShape(describe(), inputShapes);
  }

  /** Checks {@code [query, value(, key)]} shapes and returns {@code (batch, Tq, dv)}. */
  static Shape checkedOutputShape(String layer, List<Shape> in) {
    if (in.size() != 2 && in.size() != 3) {
      throw new LayerShapeException(layer + " takes [query, value] or [query, value, key], got " + in.size() + " inputs");
    }
    Shape q = in.get(0);
    Shape v = in.get(1);
    Shape k = in.size() == 3 ? in.get(2) : v;
    if (q.numDimensions() != 3 || v.numDimensions() != 3 || k.numDimensions() != 3 || q.get(2) != k.get(2)
        || k.get(1) != v.get(1)) {
      throw new LayerShapeException(layer + " needs query (batch, Tq, dim), value (batch, Tv, dv) and key (batch, Tv,"
          + " dim), got query " + Shapes.format(q) + ", value " + Shapes.format(v) + ", key " + Shapes.format(k));
    }
    return Shape.of(q.get(0), q.get(1), v.get(2));
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    List<WeightSpec> w = new ArrayList<>();
    if (useScale) {
      w.add(WeightSpec.ofTrainable("scale", Shape.scalar(), Initializer.constant(1f)));
    }
    if (scoreMode == ScoreMode.CONCAT) {
      w.add(WeightSpec.ofTrainable("concat_score_weight", Shape.scalar(), Initializer.constant(1f)));
    }
    return w;
  }

  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    return weightedValues(p, scores(p, inputs), inputs.get(1));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return masked(context, inputs, this::scores);
  }

  /** The query's mask goes on, as in Keras 3. */
  @Override
  public @Nullable Operand<TBool> outputMask(LayerContext context, List<Operand<TFloat32>> inputs,
      @Nullable Operand<TBool> inputMask) {
    return inputMask;
  }

  /**
   * The layer in TF with Keras 3's masks (after a {@code mask_zero} Embedding): masked value steps get
   * {@code scores - 1e9}, so they weigh nothing; outputs at masked query steps are 0. Unmasked, the
   * lowering's own ops.
   */
  static Operand<TFloat32> masked(LayerContext context, List<Operand<TFloat32>> inputs,
      BiFunction<Primitives<Operand<TFloat32>>, List<Operand<TFloat32>>, Operand<TFloat32>> scores) {
    Primitives<Operand<TFloat32>> p = LoweredLayer.primitives(context);
    Ops tf = context.tf();
    List<@Nullable Operand<TBool>> masks = context.inputMasks();
    Operand<TBool> query = masks.get(0);
    Operand<TBool> value = masks.size() > 1 ? masks.get(1) : null;
    Operand<TFloat32> s = scores.apply(p, inputs);
    if (value != null) {
      s = tf.select(tf.expandDims(value, tf.constant(-2)), s, tf.math.sub(s, tf.constant(1e9f)));
    }
    Operand<TFloat32> out = weightedValues(p, s, inputs.get(1));
    return query == null ? out : tf.select(tf.expandDims(query, tf.constant(-1)), out, tf.constant(0f));
  }

  /** The scores {@code (Tq, Tv)} of each query step against each key step. */
  <T> T scores(Primitives<T> p, List<T> inputs) {
    T q = inputs.get(0);
    T v = inputs.get(1);
    T k = inputs.size() == 3 ? inputs.get(2) : v;
    T scores;
    if (scoreMode == ScoreMode.DOT) {
      scores = sumLast(p, p.multiply(queryRows(p, q), keyColumns(p, k)));
      if (useScale) {
        scores = p.multiply(scores, p.weight("scale"));
      }
    } else {
      T sum = p.add(queryRows(p, q), keyColumns(p, k));
      if (useScale) {
        sum = p.multiply(sum, p.weight("scale"));
      }
      scores = p.multiply(sumLast(p, p.activation(Activation.TANH, sum)), p.weight("concat_score_weight"));
    }
    return scores;
  }

  /** {@code (Tq, dim)} as {@code (Tq, 1, dim)}, to broadcast against {@link #keyColumns}. */
  static <T> T queryRows(Primitives<T> p, T q) {
    int[] s = p.shape(q);
    return p.reshape(q, s[0], 1, s[1]);
  }

  /** {@code (Tv, dim)} as {@code (1, Tv, dim)}. */
  static <T> T keyColumns(Primitives<T> p, T k) {
    int[] s = p.shape(k);
    return p.reshape(k, 1, s[0], s[1]);
  }

  /** The sum over the last axis, as its mean times its size (the op set has means, not sums). */
  static <T> T sumLast(Primitives<T> p, T x) {
    int[] s = p.shape(x);
    return p.multiply(p.reduce(Primitives.Reduce.MEAN, x, new int[] {-1}, false), p.scalar(s[s.length - 1]));
  }

  /** {@code softmax(scores) @ value}: {@code (Tq, Tv)} and {@code (Tv, dv)} to {@code (Tq, dv)}. */
  static <T> T weightedValues(Primitives<T> p, T scores, T v) {
    int[] s = p.shape(scores);
    int[] vs = p.shape(v);
    T w = p.reshape(p.activation(Activation.SOFTMAX, scores), s[0], s[1], 1);
    T product = p.multiply(w, p.reshape(v, 1, vs[0], vs[1])); // (Tq, Tv, dv)
    return p.multiply(p.reduce(Primitives.Reduce.MEAN, product, new int[] {2}, false), p.scalar(vs[0]));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("use_scale", useScale)
        .put("score_mode", scoreMode.name().toLowerCase(Locale.ROOT)).put("dropout", 0.0);
  }

  private static Attention fromConfig(Settings s) {
    s.requireOnly("use_scale", "score_mode", "dropout", "seed");
    checkNoDropout("Attention", s);
    String mode = s.has("score_mode") ? s.getString("score_mode") : "dot";
    ScoreMode m = switch (mode) {
      case "dot" -> ScoreMode.DOT;
      case "concat" -> ScoreMode.CONCAT;
      default -> throw new IllegalArgumentException("Attention score_mode must be dot or concat, got '" + mode + "'");
    };
    return new Attention(null, s.has("use_scale") && s.getBoolean("use_scale"), m);
  }

  /** Attention dropout would change training; Topiary's attention layers train without it. */
  static void checkNoDropout(String layer, Settings s) {
    if (s.has("dropout") && s.getDouble("dropout") != 0) {
      throw new IllegalArgumentException(layer + " option dropout=" + s.getDouble("dropout")
          + " is not supported (only 0: attention dropout is not implemented)");
    }
  }
}
