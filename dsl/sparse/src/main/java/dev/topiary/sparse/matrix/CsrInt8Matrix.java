package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * CSR with int8 values and one scale per output row ({@code max |w| / 127} of the row): a quarter of the
 * value bytes, each weight within {@code scale / 2} of the original.
 */
final class CsrInt8Matrix extends WeightMatrix {
  private final int[] ptr;
  private final int[] idx;
  private final byte[] q;
  private final float[] scale;

  CsrInt8Matrix(float[] kernel, int in, int out) {
    super(in, out);
    ptr = new int[out + 1];
    scale = new float[out];
    int nnz = 0;
    for (float v : kernel) {
      nnz += v != 0f ? 1 : 0;
    }
    idx = new int[nnz];
    q = new byte[nnz];
    int k = 0;
    for (int j = 0; j < out; j++) {
      float max = 0;
      for (int i = 0; i < in; i++) {
        max = Math.max(max, Math.abs(kernel[i * out + j]));
      }
      float s = max == 0 ? 1f : max / 127f;
      scale[j] = s;
      for (int i = 0; i < in; i++) {
        float v = kernel[i * out + j];
        if (v != 0f) {
          idx[k] = i;
          q[k++] = (byte) Math.max(-127, Math.min(127, Math.round(v / s)));
        }
      }
      ptr[j + 1] = k;
    }
  }

  @Override
  public Format format() {
    return Format.CSR_INT8;
  }

  @Override
  public long bytes() {
    return 4L * (ptr.length + idx.length + scale.length) + q.length;
  }

  @Override
  public float[] toKernel() {
    float[] k = new float[in * out];
    for (int j = 0; j < out; j++) {
      for (int p = ptr[j]; p < ptr[j + 1]; p++) {
        k[idx[p] * out + j] = q[p] * scale[j];
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
    exec.kernels().csr8(ptr, idx, q, scale, x, y, from, to);
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().csr8T(ptr, idx, q, scale, xT, bp, yT, from, to);
  }
}
