package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.sparse.exec.Activations;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import java.util.List;

/** Layers that only rename the shape (Reshape, Flatten), pass through (Dropout), or map values (Activation). */
final class ShapeOps {
  private ShapeOps() {}

  /** The same values under the example shape {@code shape}; keeps the mask if {@code keepMask}. */
  static LayerOp reshape(int[] shape, boolean keepMask) {
    return (inputs, exec) -> {
      Value x = inputs.get(0);
      return List.of(new Value(x.data(), x.batch(), shape, keepMask ? x.mask() : null));
    };
  }

  static LayerOp activation(Activation a) {
    return (inputs, exec) -> {
      Value x = inputs.get(0);
      float[] y = x.data().clone();
      Activations.apply(a, y, y.length, x.shape()[x.shape().length - 1]);
      return List.of(new Value(y, x.batch(), x.shape(), x.mask()));
    };
  }
}
