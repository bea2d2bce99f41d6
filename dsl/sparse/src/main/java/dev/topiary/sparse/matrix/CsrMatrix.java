package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * Compressed sparse rows over outputs: per non-zero a value and its input index, stored in column panels
 * (see {@link dev.topiary.sparse.kernel.Kernels#csr}): panel {@code p} holds every row's non-zeros of
 * inputs {@code p W .. (p + 1) W}, so that a batched product gathers from a slice of the transposed batch
 * that stays in cache.
 */
final class CsrMatrix extends WeightMatrix {
  /**
   * Inputs per panel. Measured on a 4096 x 4096 layer at 90 % zeros (Zen 5, 1 MB L2): at batch 32 a
   * 2048-input panel (256 KB of the transposed batch) runs ~8 % faster than whole rows, at batch 1 as fast;
   * narrower panels lose (1024: batch 1 ~30 % slower; 256: both slower): each short row segment costs a
   * mispredicted loop exit.
   */
  static final int PANEL = 2048;
  private final int[] ptr;
  private final int[] idx;
  private final float[] val;
  /** Output rows by their number of non-zeros: position r of every panel holds row order[r]. */
  private final int[] order;

  CsrMatrix(float[] kernel, int in, int out) {
    super(in, out);
    int panels = Math.max(1, (in + PANEL - 1) / PANEL);
    ptr = new int[panels * out + 1];
    int nnz = 0;
    int[] count = new int[out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        if (kernel[i * out + j] != 0f) {
          count[j]++;
          nnz++;
        }
      }
    }
    // Rows of equal length next to each other: the short-row kernel takes two of them in one loop, and the
    // loop exits repeat for the branch predictor (a 32 x 128 kernel at 90 %, batch 32: 830 -> 640 ns per
    // product with that kernel, of which the ordering alone ~3 %).
    order = java.util.stream.IntStream.range(0, out).boxed()
        .sorted(java.util.Comparator.comparingInt(j -> count[j])).mapToInt(Integer::intValue).toArray();
    idx = new int[nnz];
    val = new float[nnz];
    int k = 0;
    for (int p = 0; p < panels; p++) {
      int end = Math.min(in, (p + 1) * PANEL);
      for (int r = 0; r < out; r++) {
        int j = order[r];
        for (int i = p * PANEL; i < end; i++) {
          float v = kernel[i * out + j];
          if (v != 0f) {
            idx[k] = i;
            val[k++] = v;
          }
        }
        ptr[p * out + r + 1] = k;
      }
    }
  }

  @Override
  public Format format() {
    return Format.CSR;
  }

  @Override
  public long bytes() {
    return 4L * (ptr.length + idx.length + val.length + order.length);
  }

  @Override
  public float[] toKernel() {
    float[] k = new float[in * out];
    for (int s = 0; s + 1 < ptr.length; s++) {
      for (int p = ptr[s]; p < ptr[s + 1]; p++) {
        k[idx[p] * out + order[s % out]] = val[p];
      }
    }
    return k;
  }

  @Override
  int kernelRows() {
    return out;
  }

  @Override
  void single(Exec exec, float[] x, float[] y, int from, int to) {
    exec.kernels().csr(ptr, idx, val, order, x, y, from, to);
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().csrT(ptr, idx, val, order, xT, bp, yT, from, to);
  }
}
