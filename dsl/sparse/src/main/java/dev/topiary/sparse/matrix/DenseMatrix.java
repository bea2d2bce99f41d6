package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * Every weight, output-major {@code w[out][in]} (dot products for one example, transposed batches). A
 * small matrix (at most {@link #ROW_MAJOR_LIMIT} weights, e.g. a recurrent kernel) also keeps the
 * input-major Keras layout, through which batches multiply without being transposed.
 */
final class DenseMatrix extends WeightMatrix {
  static final int ROW_MAJOR_LIMIT = 1 << 17;
  private final float[] w;
  private final float[] inputMajor;

  DenseMatrix(float[] kernel, int in, int out) {
    super(in, out);
    w = new float[in * out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        w[j * in + i] = kernel[i * out + j];
      }
    }
    inputMajor = kernel.length <= ROW_MAJOR_LIMIT ? kernel.clone() : null;
  }

  @Override
  boolean rowMajorBatches() {
    return inputMajor != null;
  }

  @Override
  void rows(Exec exec, float[] x, float[] y, int from, int to) {
    int zeros = 0;
    for (int i = from * in, end = to * in; i < end; i++) {
      zeros += x[i] == 0 ? 1 : 0;
    }
    // Inputs at least half zeros (rows of a pruned Embedding table, ReLU outputs): skip them. A scan of
    // the input costs about 1 / out of the product. Not with fewer than 4 vectors of outputs: the
    // skipping kernel runs one example at a time, so few outputs leave it with one or two FMA chains bound
    // by the FMA latency, where the plain kernel keeps four examples in flight (MobileNetV2's 1x1
    // projections to 16 and 24 channels after a ReLU6: 3.2 and 3.6 ms skipping, ~1 ms not).
    if (out >= 4 * exec.kernels().lanes() && 2L * zeros >= (long) (to - from) * in) {
      exec.kernels().denseRowsSparseInput(inputMajor, in, out, x, y, from, to);
    } else {
      exec.kernels().denseRows(inputMajor, in, out, x, y, from, to);
    }
  }

  @Override
  public Format format() {
    return Format.DENSE;
  }

  @Override
  public long bytes() {
    return 4L * w.length + (inputMajor == null ? 0 : 4L * inputMajor.length);
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
    if (inputMajor != null && from == 0 && to == out) {
      // a small matrix, unsplit: one example times the input-major layout, no dot-product reductions (a
      // 32 x 128 recurrent kernel at batch 1: 128 reductions per step were most of the step)
      exec.kernels().denseRows(inputMajor, in, out, x, y, 0, 1);
    } else {
      exec.kernels().dense(w, in, x, y, from, to);
    }
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().denseT(w, in, xT, bp, yT, from, to);
  }
}
