package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * 4x1 blocks (4 consecutive inputs x 1 output): per output the aligned groups of 4 inputs holding any
 * non-zero, one start index per block and the values as 4 planes (see {@link
 * dev.topiary.sparse.kernel.Kernels#colBlocks}). Inputs are padded to a multiple of 4 with zeros.
 */
final class ColBlockMatrix extends WeightMatrix {
  private final int[] ptr;
  private final int[] idx;
  private final float[] val;

  ColBlockMatrix(float[] kernel, int in, int out) {
    super(in, out);
    int groups = (in + 3) / 4;
    ptr = new int[out + 1];
    int blocks = 0;
    for (int j = 0; j < out; j++) {
      for (int b = 0; b < groups; b++) {
        blocks += any(kernel, b, j) ? 1 : 0;
      }
      ptr[j + 1] = blocks;
    }
    idx = new int[blocks];
    val = new float[4 * blocks];
    for (int j = 0; j < out; j++) {
      int start = ptr[j];
      int n = ptr[j + 1] - start;
      int k = 0;
      for (int b = 0; b < groups; b++) {
        if (any(kernel, b, j)) {
          idx[start + k] = 4 * b;
          for (int q = 0; q < 4; q++) {
            int i = 4 * b + q;
            val[4 * start + q * n + k] = i < in ? kernel[i * out + j] : 0f;
          }
          k++;
        }
      }
    }
  }

  private boolean any(float[] kernel, int b, int j) {
    for (int i = 4 * b; i < Math.min(in, 4 * b + 4); i++) {
      if (kernel[i * out + j] != 0f) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Format format() {
    return Format.BLOCK_4X1;
  }

  @Override
  public long bytes() {
    return 4L * (ptr.length + idx.length + val.length);
  }

  @Override
  public float[] toKernel() {
    float[] kernel = new float[in * out];
    for (int j = 0; j < out; j++) {
      int start = ptr[j];
      int n = ptr[j + 1] - start;
      for (int k = 0; k < n; k++) {
        for (int q = 0; q < 4 && idx[start + k] + q < in; q++) {
          kernel[(idx[start + k] + q) * out + j] = val[4 * start + q * n + k];
        }
      }
    }
    return kernel;
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
