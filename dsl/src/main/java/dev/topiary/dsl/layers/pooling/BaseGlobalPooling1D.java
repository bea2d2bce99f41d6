package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.layers.LayerContext;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Mean or max over the steps of a sequence, {@code (batch, steps, features) -> (batch, features)};
 * with an input mask the mean counts only the real (unmasked) steps, the max every step (as in Keras 3).
 */
public abstract class BaseGlobalPooling1D<L extends BaseGlobalPooling1D<L>> extends BaseGlobalPooling<L> {
  BaseGlobalPooling1D(@Nullable String name, boolean keepDims) {
    super(name, keepDims, 3, "(batch, steps, features)");
  }

  /** The reduction over the real steps only; {@code mask} is 1 at real steps, shape (batch, steps, 1). */
  abstract Operand<TFloat32> reduceMasked(Ops tf, Operand<TFloat32> x, Operand<TFloat32> mask);

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    var tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    Operand<TFloat32> y;
    if (context.inputMask() == null) {
      y = reduction() == Primitives.Reduce.MEAN ? tf.math.mean(x, tf.constant(1)) : tf.max(x, tf.constant(1));
    } else {
      Operand<TFloat32> m = tf.expandDims(tf.dtypes.cast(context.inputMask(), TFloat32.class), tf.constant(-1));
      y = reduceMasked(tf, x, m);
    }
    return keepDims ? tf.expandDims(y, tf.constant(1)) : y;
  }
}
