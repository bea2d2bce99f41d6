package dev.topiary.dsl.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A layer whose inference math is written once in {@link Primitives}: graph and eager models build it
 * as TF ops (so training has TF's gradients), {@code .tflite} files as TFLite builtins, and the sparse
 * runtime runs it in plain Java, with no code of the layer's in those modules. Layers that train
 * differently from inference (dropout, batch statistics) implement {@link #call} themselves and keep
 * {@link #lower} for inference.
 */
public interface LoweredLayer extends Layer {

  /** The layer's output for {@code inputs}, built with {@code ops}. */
  <T> T lower(Primitives<T> ops, List<T> inputs);

  /**
   * The primitives over this context's TF ops, for a layer whose {@link #call} adds to its lowering what
   * only TF runs (masks, training).
   */
  static Primitives<Operand<TFloat32>> primitives(LayerContext context) {
    return new TfPrimitives(context);
  }

  @Override
  default Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return lower(new TfPrimitives(context), inputs);
  }
}
