package dev.topiary.sparse.matrix;

/**
 * What the two 4-weight block formats share: the kernel as lines (an output, or a group of 4 outputs),
 * each holding the blocks of 4 weights that have any non-zero, one stored index per block and the
 * values of a line as 4 planes ({@code val[4 * start + lane * n + k]}, the layout the kernels read).
 * A format says only which 4 weights a block of a line holds and where they go back in the kernel.
 */
abstract sealed class BlockMatrix extends WeightMatrix permits ColBlockMatrix, RowBlockMatrix {
  final int[] ptr;
  final int[] idx;
  final float[] val;

  /** {@code lines} lines of {@code positions} candidate blocks each (calls the format's methods below). */
  BlockMatrix(float[] kernel, int in, int out, int lines, int positions) {
    super(in, out);
    ptr = new int[lines + 1];
    int blocks = 0;
    for (int line = 0; line < lines; line++) {
      for (int p = 0; p < positions; p++) {
        blocks += any(kernel, line, p) ? 1 : 0;
      }
      ptr[line + 1] = blocks;
    }
    idx = new int[blocks];
    val = new float[4 * blocks];
    for (int line = 0; line < lines; line++) {
      int start = ptr[line];
      int n = ptr[line + 1] - start;
      int k = 0;
      for (int p = 0; p < positions; p++) {
        if (any(kernel, line, p)) {
          idx[start + k] = index(p);
          for (int lane = 0; lane < 4; lane++) {
            val[4 * start + lane * n + k] = weight(kernel, line, p, lane);
          }
          k++;
        }
      }
    }
  }

  private boolean any(float[] kernel, int line, int position) {
    for (int lane = 0; lane < 4; lane++) {
      if (weight(kernel, line, position, lane) != 0f) {
        return true;
      }
    }
    return false;
  }

  /** Weight {@code lane} of the block at {@code position} of {@code line}; 0 past the kernel's edge. */
  abstract float weight(float[] kernel, int line, int position, int lane);

  /** The index the kernels store for the block at {@code position}. */
  abstract int index(int position);

  /** Where weight {@code lane} of the stored block {@code index} of {@code line} is in the kernel; -1 past its edge. */
  abstract int kernelOffset(int line, int index, int lane);

  @Override
  public long bytes() {
    return 4L * (ptr.length + idx.length + val.length);
  }

  @Override
  public float[] toKernel() {
    float[] kernel = new float[in * out];
    for (int line = 0; line + 1 < ptr.length; line++) {
      int start = ptr[line];
      int n = ptr[line + 1] - start;
      for (int k = 0; k < n; k++) {
        for (int lane = 0; lane < 4; lane++) {
          int at = kernelOffset(line, idx[start + k], lane);
          if (at >= 0) {
            kernel[at] = val[4 * start + lane * n + k];
          }
        }
      }
    }
    return kernel;
  }
}
