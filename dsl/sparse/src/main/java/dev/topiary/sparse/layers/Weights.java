package dev.topiary.sparse.layers;

import dev.topiary.sparse.matrix.RowTable;
import dev.topiary.sparse.matrix.WeightMatrix;

/**
 * What a layer translation gets from the model: its weights and a matrix of each kernel in the format
 * the planner chose (by override, calibration or heuristic).
 */
public interface Weights {
  /** The layer's name in the model. */
  String layerName();

  /** The float values of weight {@code name} (e.g. {@code bias}), row-major. */
  float[] values(String name);

  /** The shape of weight {@code name}, as the layer declares it. */
  int[] shape(String name);

  /**
   * Weight {@code name}, a kernel {@code [in, out]}, as a matrix. {@code rowsPerExample} is how many rows one
   * example multiplies (time steps, output pixels), which calibration takes into account.
   */
  WeightMatrix matrix(String name, int in, int out, int rowsPerExample);

  /**
   * Weight {@code name} as a matrix multiplied once per time step, on one example or on a batch share
   * already transposed ({@link WeightMatrix#multiplyTransposed}; recurrent cells): calibration times those
   * two products. By default as {@link #matrix} with one row per example.
   */
  default WeightMatrix stepMatrix(String name, int in, int out) {
    return matrix(name, in, out, 1);
  }

  /**
   * Weight {@code name}, a kernel {@code [in, out]}, for a 1x1 convolution on channel-major planes, which
   * multiplies it as CSR rows whatever its sparsity (each weight scales a whole tile of pixels, so a dense
   * row costs no more as CSR): recorded in the plan as such, without calibration.
   */
  WeightMatrix planeMatrix(String name, int in, int out);

  /** Weight {@code name}, {@code [rows, dim]}, as a lookup table (compressed when mostly zeros). */
  RowTable table(String name, int rows, int dim);
}
