package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Mean or max over the steps of a sequence: {@code (batch, steps, features) -> (batch, features)}. */
public final class GlobalPooling1D extends BaseLayer<GlobalPooling1D> {
  private final boolean max;

  private GlobalPooling1D(@Nullable String name, boolean max) {
    super(name, null);
    this.max = max;
  }

  /** Keras {@code GlobalAveragePooling1D}. */
  public static GlobalPooling1D average() {
    return new GlobalPooling1D(null, false);
  }

  /** Keras {@code GlobalMaxPooling1D}. */
  public static GlobalPooling1D max() {
    return new GlobalPooling1D(null, true);
  }

  @Override
  protected GlobalPooling1D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new GlobalPooling1D(name, max);
  }

  @Override
  public String typeName() {
    return max ? "GlobalMaxPooling1D" : "GlobalAveragePooling1D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 3, "(batch, steps, features)");
    return Shape.of(in.get(0), in.get(2));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    var tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    if (context.inputMask() == null) {
      return max ? tf.max(x, tf.constant(1)) : tf.math.mean(x, tf.constant(1));
    }
    // Only real (unmasked) steps count.
    Operand<TFloat32> m = tf.expandDims(tf.dtypes.cast(context.inputMask(), TFloat32.class), tf.constant(-1));
    if (max) {
      Operand<TFloat32> pushedDown = tf.math.sub(x, tf.math.mul(tf.math.sub(tf.constant(1f), m), tf.constant(1e9f)));
      return tf.max(pushedDown, tf.constant(1));
    }
    Operand<TFloat32> count = tf.math.maximum(tf.sum(m, tf.constant(1)), tf.constant(1f));
    return tf.math.div(tf.sum(tf.math.mul(x, m), tf.constant(1)), count);
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }
}
