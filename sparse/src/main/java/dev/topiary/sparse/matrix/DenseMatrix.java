package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/** Every weight, output-major {@code w[out][in]}. */
final class DenseMatrix extends WeightMatrix {
  private final float[] w;

  DenseMatrix(float[] kernel, int in, int out) {
    super(in, out);
    w = new float[in * out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        w[j * in + i] = kernel[i * out + j];
      }
    }
  }

  @Override
  public Format format() {
    return Format.DENSE;
  }

  @Override
  public long bytes() {
    return 4L * w.length;
  }

  @Override
  public float[] toKernel() {
    float[] k = new float[in * out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        k[i * out + j] = w[j * in + i];
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
    exec.kernels().dense(w, in, x, y, from, to);
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().denseT(w, in, xT, bp, yT, from, to);
  }
}
