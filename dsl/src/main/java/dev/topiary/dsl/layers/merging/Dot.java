package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras' Dot over the last axes of two inputs: {@code (batch, n) . (batch, n) -> (batch, 1)}, or
 * {@code (batch, t, d) . (batch, s, d) -> (batch, t, s)}; with {@code normalize}, cosine similarity.
 */
public final class Dot extends BaseLayer<Dot> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Dot> TYPE = LayerType.of("Dot", Dot.class, Dot::fromConfig)
      // axes is checked against the input ranks when the layer is applied (the keras module's reader).
      .with(KerasForm.class, KerasForm.of("Dot", "normalize").withDefault("normalize", false)
          .withConstant("axes", -1).ignoring("axes"));

  private final boolean normalize;

  private Dot(@Nullable String name, boolean normalize) {
    super(name, null);
    this.normalize = normalize;
  }

  public static Dot of() {
    return new Dot(null, false);
  }

  /** Dot products of L2-normalized inputs (cosine similarity). */
  public static Dot cosine() {
    return new Dot(null, true);
  }

  @Override
  protected Dot copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Dot(name, normalize);
  }

  @Override
  public String typeName() {
    return "Dot";
  }

  @Override
  public int inputCount() {
    return 2;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape a = inputShapes.get(0);
    Shape b = inputShapes.get(1);
    int rank = a.numDimensions();
    if (rank != b.numDimensions() || (rank != 2 && rank != 3) || a.get(rank - 1) != b.get(rank - 1)) {
      throw new LayerShapeException(describe() + " needs two (batch, n) or two (batch, steps, n) inputs with equal"
          + " last axes, got " + Shapes.format(a) + " and " + Shapes.format(b));
    }
    return rank == 2 ? Shape.of(a.get(0), 1) : Shape.of(a.get(0), a.get(1), b.get(1));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> a = inputs.get(0);
    Operand<TFloat32> b = inputs.get(1);
    if (normalize) {
      a = unit(tf, a);
      b = unit(tf, b);
    }
    return a.shape().numDimensions() == 2
        ? tf.sum(tf.math.mul(a, b), tf.constant(-1), org.tensorflow.op.core.Sum.keepDims(true))
        : tf.linalg.einsum(List.of(a, b), "btd,bsd->bts");
  }

  private static Operand<TFloat32> unit(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> squared = tf.sum(tf.math.mul(x, x), tf.constant(-1), org.tensorflow.op.core.Sum.keepDims(true));
    return tf.math.mul(x, tf.math.rsqrt(tf.math.maximum(squared, tf.constant(1e-12f))));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("normalize", normalize);
  }

  private static Dot fromConfig(Settings s) {
    return new Dot(null, s.getBoolean("normalize"));
  }
}
