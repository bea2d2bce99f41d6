package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * 1x4 blocks (1 input x 4 outputs): outputs in groups of 4; per group the inputs where any of the 4
 * weights is non-zero, one index per block and the values as 4 planes (see {@link
 * dev.topiary.sparse.kernel.Kernels#rowBlocks}). A last partial group is padded with zero rows.
 */
final class RowBlockMatrix extends WeightMatrix {
  private final int groups;
  private final int[] ptr;
  private final int[] idx;
  private final float[] val;

  RowBlockMatrix(float[] kernel, int in, int out) {
    super(in, out);
    groups = (out + 3) / 4;
    ptr = new int[groups + 1];
    int blocks = 0;
    for (int g = 0; g < groups; g++) {
      for (int i = 0; i < in; i++) {
        blocks += any(kernel, i, g) ? 1 : 0;
      }
      ptr[g + 1] = blocks;
    }
    idx = new int[blocks];
    val = new float[4 * blocks];
    for (int g = 0; g < groups; g++) {
      int start = ptr[g];
      int n = ptr[g + 1] - start;
      int k = 0;
      for (int i = 0; i < in; i++) {
        if (any(kernel, i, g)) {
          idx[start + k] = i;
          for (int r = 0; r < 4; r++) {
            int j = 4 * g + r;
            val[4 * start + r * n + k] = j < out ? kernel[i * out + j] : 0f;
          }
          k++;
        }
      }
    }
  }

  private boolean any(float[] kernel, int i, int g) {
    for (int j = 4 * g; j < Math.min(out, 4 * g + 4); j++) {
      if (kernel[i * out + j] != 0f) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Format format() {
    return Format.BLOCK_1X4;
  }

  @Override
  public long bytes() {
    return 4L * (ptr.length + idx.length + val.length);
  }

  @Override
  public float[] toKernel() {
    float[] kernel = new float[in * out];
    for (int g = 0; g < groups; g++) {
      int start = ptr[g];
      int n = ptr[g + 1] - start;
      for (int k = 0; k < n; k++) {
        for (int r = 0; r < 4 && 4 * g + r < out; r++) {
          kernel[idx[start + k] * out + 4 * g + r] = val[4 * start + r * n + k];
        }
      }
    }
    return kernel;
  }

  @Override
  int kernelRows() {
    return groups;
  }

  @Override
  public int paddedOutputs() {
    return 4 * groups;
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
