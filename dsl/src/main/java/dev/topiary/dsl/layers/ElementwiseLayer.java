package dev.topiary.dsl.layers;

import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Base of layers that map each value on its own (activations, noise): one input, the output of its
 * shape, and the sequence mask passed on (the steps stay where they were).
 */
public abstract class ElementwiseLayer<L extends ElementwiseLayer<L>> extends BaseLayer<L> {
  protected ElementwiseLayer(@Nullable String name, @Nullable PruningSpec pruning) {
    super(name, pruning);
  }

  @Override
  public final Shape outputShape(List<Shape> inputShapes) {
    return sameShape(inputShapes);
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public @Nullable Operand<TBool> outputMask(LayerContext context, List<Operand<TFloat32>> inputs,
      @Nullable Operand<TBool> inputMask) {
    return inputMask;
  }
}
