package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.sparse.exec.Activations;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code activation(x . W + b)} over the last axis: the product on a {@link WeightMatrix}, every leading
 * axis folded into the batch (as Keras' Dense on rank >= 3). Also the product behind Conv2D (im2col).
 */
final class DenseOp implements LayerOp {
  private final WeightMatrix w;
  private final float @Nullable [] bias;
  private final Activation activation;

  DenseOp(WeightMatrix w, float @Nullable [] bias, Activation activation) {
    this.w = w;
    this.bias = bias;
    this.activation = activation;
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value x = inputs.get(0);
    int[] shape = x.shape().clone();
    int rows = x.batch() * (x.exampleSize() / w.inputs());
    shape[shape.length - 1] = w.outputs();
    float[] y = project(w, bias, x.data(), rows, exec);
    Activations.apply(activation, y, y.length, w.outputs());
    return List.of(new Value(y, x.batch(), shape));
  }

  /** {@code x [rows, in] . W + bias}. */
  static float[] project(WeightMatrix w, float @Nullable [] bias, float[] x, int rows, Exec exec) {
    float[] y = new float[rows * w.outputs()];
    w.multiply(exec, x, rows, y);
    if (bias != null) {
      int n = w.outputs();
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < n; j++) {
          y[r * n + j] += bias[j];
        }
      }
    }
    return y;
  }
}
