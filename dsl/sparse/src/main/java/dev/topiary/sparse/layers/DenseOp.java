package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.List;

/**
 * {@code activation(x . W + b)} over the last axis: the product on a {@link WeightMatrix}, every leading
 * axis folded into the batch (as Keras' Dense on rank >= 3). Also the product behind Conv2D (im2col).
 */
final class DenseOp implements LayerOp {
  private final WeightMatrix w;
  private final Epilogue epilogue;

  DenseOp(WeightMatrix w, Epilogue epilogue) {
    this.w = w;
    this.epilogue = epilogue;
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value x = inputs.get(0);
    int[] shape = x.shape().clone();
    int rows = x.batch() * (x.exampleSize() / w.inputs());
    shape[shape.length - 1] = w.outputs();
    float[] y = project(w, epilogue, x.data(), rows, exec);
    return List.of(new Value(y, x.batch(), shape, x.mask())); // Keras 3's Dense passes a mask on
  }

  /** {@code epilogue(x [rows, in] . W)}: bias, folded batch normalization, activation. */
  static float[] project(WeightMatrix w, Epilogue epilogue, float[] x, int rows, Exec exec) {
    // zeroed: some formats' products add into y
    float[] y = exec.zeros(rows * w.outputs());
    w.multiply(exec, x, rows, y);
    epilogue.apply(y, rows, w.outputs(), exec);
    return y;
  }
}
