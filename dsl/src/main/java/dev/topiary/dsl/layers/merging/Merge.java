package dev.topiary.dsl.layers.merging;

import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;

import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Element-wise merges of two or more inputs of one rank, broadcasting axes of size 1 (Keras'
 * {@code Merge} base): the inputs are folded left to right with {@link #merge}; no settings, no weights.
 */
public abstract class Merge<L extends Merge<L>> extends BaseLayer<L> implements LoweredLayer {
  Merge(@Nullable String name) {
    super(name, null);
  }

  abstract L create(@Nullable String name);

  /** One fold step: the result so far with the next input. */
  abstract <T> T merge(Primitives<T> p, T soFar, T next);

  @Override
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name);
  }

  @Override
  public int inputCount() {
    return -1;
  }

  /**
   * Inputs of one rank whose axes are equal or 1, broadcast as Keras 3's merges do: a squeeze-and-excitation
   * block multiplies {@code (batch, h, w, c)} by {@code (batch, 1, 1, c)}.
   */
  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    if (inputShapes.size() < 2) {
      throw new LayerShapeException(describe() + " needs at least 2 inputs, got " + inputShapes.size());
    }
    Shape first = inputShapes.get(0);
    long[] out = first.asArray().clone();
    for (Shape s : inputShapes) {
      if (s.numDimensions() != first.numDimensions()) {
        throw new LayerShapeException(describe() + " needs inputs of one rank, got " + Shapes.format(first) + " and "
            + Shapes.format(s));
      }
      for (int i = 1; i < out.length; i++) {
        long d = s.get(i);
        if (out[i] == 1 || out[i] < 0) {
          out[i] = d == 1 && out[i] < 0 ? out[i] : d;
        } else if (d != 1 && d >= 0 && d != out[i]) {
          throw new LayerShapeException(describe() + " needs inputs whose axes are equal or 1 (broadcast), got "
              + Shapes.format(first) + " and " + Shapes.format(s));
        }
      }
    }
    return Shape.of(out);
  }

  /**
   * What masked steps (after a {@code mask_zero} Embedding) do to the values, as Keras 3's merges define
   * it: nothing for Add, Subtract and Average (only the output mask changes).
   */
  enum MaskedValues {
    /** Values merged as if unmasked. */
    UNCHANGED,
    /** Multiply: a masked step counts as 1, and where every input is masked the product is 0. */
    ONE_THEN_ZERO,
    /** Maximum, Minimum: a masked step takes the other side's value, so only real steps compete. */
    OTHER_SIDE
  }

  MaskedValues maskedValues() {
    return MaskedValues.UNCHANGED;
  }

  @Override
  public org.tensorflow.Operand<TFloat32> call(LayerContext context, List<org.tensorflow.Operand<TFloat32>> inputs) {
    List<org.tensorflow.@Nullable Operand<TBool>> masks = context.inputMasks();
    if (maskedValues() == MaskedValues.UNCHANGED || masks.stream().allMatch(java.util.Objects::isNull)) {
      return LoweredLayer.super.call(context, inputs);
    }
    Ops tf = context.tf();
    Primitives<org.tensorflow.Operand<TFloat32>> p = LoweredLayer.primitives(context);
    boolean everyMasked = masks.stream().allMatch(java.util.Objects::nonNull);
    org.tensorflow.Operand<TFloat32> out = null;
    org.tensorflow.Operand<TBool> outMask = null;
    for (int i = 0; i < inputs.size(); i++) {
      org.tensorflow.Operand<TFloat32> x = inputs.get(i);
      org.tensorflow.Operand<TBool> m = masks.get(i) == null ? null
          : tf.broadcastTo(tf.expandDims(masks.get(i), tf.constant(-1)), tf.shape(x));
      if (maskedValues() == MaskedValues.ONE_THEN_ZERO) {
        if (m != null) {
          x = tf.select(m, x, tf.constant(1f));
          if (everyMasked) {
            outMask = outMask == null ? m : tf.math.logicalOr(outMask, m);
          }
        }
        out = out == null ? x : merge(p, out, x);
        continue;
      }
      if (out == null) { // OTHER_SIDE, as Keras' _apply_merge_op_and_or_mask
        out = x;
        outMask = m;
        continue;
      }
      if (m != null) {
        x = tf.select(m, x, out);
      }
      if (outMask != null) {
        out = tf.select(outMask, out, x);
      }
      outMask = m != null && outMask != null ? tf.math.logicalOr(outMask, m) : null;
      out = merge(p, out, x);
    }
    if (maskedValues() == MaskedValues.ONE_THEN_ZERO && everyMasked) {
      out = tf.select(outMask, out, tf.constant(0f));
    }
    return out;
  }

  /** Keras 3: the OR of the inputs' masks when every input has one, else none. */
  @Override
  public org.tensorflow.@Nullable Operand<TBool> outputMask(LayerContext context,
      List<org.tensorflow.Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<TBool> inputMask) {
    List<org.tensorflow.@Nullable Operand<TBool>> masks = context.inputMasks();
    if (masks.stream().anyMatch(java.util.Objects::isNull)) {
      return null;
    }
    org.tensorflow.Operand<TBool> out = masks.get(0);
    for (int i = 1; i < masks.size(); i++) {
      out = context.tf().math.logicalOr(out, masks.get(i));
    }
    return out;
  }

  /** The inputs folded left to right, as Keras 3's merge layers do (so Add is a chain of adds, not AddN). */
  @Override
  public <T> T lower(Primitives<T> p, List<T> inputs) {
    T out = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      out = merge(p, out, inputs.get(i));
    }
    return out;
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }
}
