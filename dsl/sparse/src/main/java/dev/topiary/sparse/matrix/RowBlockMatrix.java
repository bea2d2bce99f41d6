package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * 1x4 blocks (1 input x 4 outputs): outputs in groups of 4; per group the inputs where any of the 4
 * weights is non-zero, one index per block and the values as 4 planes (see {@link
 * dev.topiary.sparse.kernel.Kernels#rowBlocks}). A last partial group is padded with zero rows.
 */
final class RowBlockMatrix extends BlockMatrix {
  RowBlockMatrix(float[] kernel, int in, int out) {
    super(kernel, in, out, (out + 3) / 4, in); // a line per group of 4 outputs, a block per input
  }

  @Override
  float weight(float[] kernel, int group, int input, int lane) {
    int j = 4 * group + lane;
    return j < out ? kernel[input * out + j] : 0f;
  }

  @Override
  int index(int input) {
    return input;
  }

  @Override
  int kernelOffset(int group, int input, int lane) {
    int j = 4 * group + lane;
    return j < out ? input * out + j : -1;
  }

  @Override
  public Format format() {
    return Format.BLOCK_1X4;
  }

  @Override
  int kernelRows() {
    return (out + 3) / 4;
  }

  @Override
  public int paddedOutputs() {
    return 4 * kernelRows();
  }

  @Override
  void single(Exec exec, float[] x, float[] y, int from, int to) {
    exec.kernels().rowBlocks(ptr, idx, val, x, y, from, to);
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().rowBlocksT(ptr, idx, val, xT, bp, yT, from, to);
  }
}
