package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * 4x1 blocks (4 consecutive inputs x 1 output): per output the aligned groups of 4 inputs holding any
 * non-zero, one start index per block and the values as 4 planes (see {@link
 * dev.topiary.sparse.kernel.Kernels#colBlocks}). Inputs are padded to a multiple of 4 with zeros.
 */
final class ColBlockMatrix extends BlockMatrix {
  ColBlockMatrix(float[] kernel, int in, int out) {
    super(kernel, in, out, out, (in + 3) / 4); // a line per output, a block per group of 4 inputs
  }

  @Override
  float weight(float[] kernel, int output, int group, int lane) {
    int i = 4 * group + lane;
    return i < in ? kernel[i * out + output] : 0f;
  }

  @Override
  int index(int group) {
    return 4 * group;
  }

  @Override
  int kernelOffset(int output, int firstInput, int lane) {
    return firstInput + lane < in ? (firstInput + lane) * out + output : -1;
  }

  @Override
  public Format format() {
    return Format.BLOCK_4X1;
  }

  @Override
  int kernelRows() {
    return out;
  }

  @Override
  public int paddedInputs() {
    return (in + 3) / 4 * 4;
  }

  @Override
  void single(Exec exec, float[] x, float[] y, int from, int to) {
    exec.kernels().colBlocks(ptr, idx, val, x, y, from, to);
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().colBlocksT(ptr, idx, val, xT, bp, yT, from, to);
  }
}
