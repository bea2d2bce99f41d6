package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/** Compressed sparse rows over outputs: per non-zero a value and its input index. */
final class CsrMatrix extends WeightMatrix {
  private final int[] ptr;
  private final int[] idx;
  private final float[] val;

  CsrMatrix(float[] kernel, int in, int out) {
    super(in, out);
    ptr = new int[out + 1];
    int nnz = 0;
    for (float v : kernel) {
      nnz += v != 0f ? 1 : 0;
    }
    idx = new int[nnz];
    val = new float[nnz];
    int k = 0;
    for (int j = 0; j < out; j++) {
      for (int i = 0; i < in; i++) {
        float v = kernel[i * out + j];
        if (v != 0f) {
          idx[k] = i;
          val[k++] = v;
        }
      }
      ptr[j + 1] = k;
    }
  }

  @Override
  public Format format() {
    return Format.CSR;
  }

  @Override
  public long bytes() {
    return 4L * (ptr.length + idx.length + val.length);
  }

  @Override
  public float[] toKernel() {
    float[] k = new float[in * out];
    for (int j = 0; j < out; j++) {
      for (int p = ptr[j]; p < ptr[j + 1]; p++) {
        k[idx[p] * out + j] = val[p];
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
    exec.kernels().csr(ptr, idx, val, x, y, from, to);
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().csrT(ptr, idx, val, xT, bp, yT, from, to);
  }
}
