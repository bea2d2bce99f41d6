package dev.topiary.sparse.kernel;

import org.jspecify.annotations.Nullable;

/**
 * Plain-Java kernels: what runs without the Vector API, and the reference the vector kernels are tested
 * against. The batched kernels keep the example loop innermost, which the JIT vectorizes on its own.
 */
public final class ScalarKernels implements Kernels {
  public static final ScalarKernels INSTANCE = new ScalarKernels();

  private ScalarKernels() {}

  @Override
  public int lanes() {
    return 1;
  }

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public void dense(float[] w, int cols, float[] x, float[] y, int from, int to) {
    for (int j = from; j < to; j++) {
      float s = 0;
      int base = j * cols;
      for (int i = 0; i < cols; i++) {
        s += w[base + i] * x[i];
      }
      y[j] = s;
    }
  }

  @Override
  public void denseT(float[] w, int cols, float[] xT, int bp, float[] yT, int from, int to) {
    for (int j = from; j < to; j++) {
      int out = j * bp;
      java.util.Arrays.fill(yT, out, out + bp, 0f);
      int base = j * cols;
      for (int i = 0; i < cols; i++) {
        axpy(w[base + i], xT, i * bp, yT, out, bp);
      }
    }
  }

  @Override
  public void denseRows(float[] w, int cols, int rows, float[] x, float[] y, int from, int to) {
    for (int b = from; b < to; b++) {
      int yo = b * rows;
      java.util.Arrays.fill(y, yo, yo + rows, 0f);
      for (int i = 0; i < cols; i++) {
        axpy(x[b * cols + i], w, i * rows, y, yo, rows);
      }
    }
  }

  @Override
  public void denseRowsSparseInput(float[] w, int cols, int rows, float[] x, float[] y, int from, int to) {
    for (int b = from; b < to; b++) {
      int yo = b * rows;
      java.util.Arrays.fill(y, yo, yo + rows, 0f);
      for (int i = 0; i < cols; i++) {
        float v = x[b * cols + i];
        if (v != 0) {
          axpy(v, w, i * rows, y, yo, rows);
        }
      }
    }
  }

  @Override
  public void csr(int[] ptr, int[] idx, float[] val, int[] order, float[] x, float[] y, int from, int to) {
    int rows = order.length;
    int panels = (ptr.length - 1) / rows;
    for (int p = 0; p < panels; p++) {
      int base = p * rows;
      for (int r = from; r < to; r++) {
        float s = 0;
        for (int k = ptr[base + r], end = ptr[base + r + 1]; k < end; k++) {
          s += val[k] * x[idx[k]];
        }
        int j = order[r];
        y[j] = p == 0 ? s : y[j] + s;
      }
    }
  }

  @Override
  public void csrT(int[] ptr, int[] idx, float[] val, int[] order, float[] xT, int bp, float[] yT, int from, int to) {
    int rows = order.length;
    for (int r = from; r < to; r++) {
      java.util.Arrays.fill(yT, order[r] * bp, (order[r] + 1) * bp, 0f);
    }
    int panels = (ptr.length - 1) / rows;
    for (int p = 0; p < panels; p++) {
      int base = p * rows;
      for (int r = from; r < to; r++) {
        for (int k = ptr[base + r], end = ptr[base + r + 1]; k < end; k++) {
          axpy(val[k], xT, idx[k] * bp, yT, order[r] * bp, bp);
        }
      }
    }
  }

  @Override
  public void csr8(int[] ptr, int[] idx, byte[] q, float[] scale, float[] x, float[] y, int from, int to) {
    for (int j = from; j < to; j++) {
      float s = 0;
      for (int k = ptr[j], end = ptr[j + 1]; k < end; k++) {
        s += q[k] * x[idx[k]];
      }
      y[j] = s * scale[j];
    }
  }

  @Override
  public void csr8T(int[] ptr, int[] idx, byte[] q, float[] scale, float[] xT, int bp, float[] yT, int from, int to) {
    for (int j = from; j < to; j++) {
      int out = j * bp;
      java.util.Arrays.fill(yT, out, out + bp, 0f);
      float sc = scale[j];
      for (int k = ptr[j], end = ptr[j + 1]; k < end; k++) {
        axpy(q[k] * sc, xT, idx[k] * bp, yT, out, bp);
      }
    }
  }

  @Override
  public void rowBlocks(int[] ptr, int[] idx, float[] val, float[] x, float[] y, int from, int to) {
    for (int g = from; g < to; g++) {
      int start = ptr[g];
      int n = ptr[g + 1] - start;
      int base = 4 * start;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int k = 0; k < n; k++) {
        float xv = x[idx[start + k]];
        s0 += val[base + k] * xv;
        s1 += val[base + n + k] * xv;
        s2 += val[base + 2 * n + k] * xv;
        s3 += val[base + 3 * n + k] * xv;
      }
      y[4 * g] = s0;
      y[4 * g + 1] = s1;
      y[4 * g + 2] = s2;
      y[4 * g + 3] = s3;
    }
  }

  @Override
  public void rowBlocksT(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT, int from, int to) {
    for (int g = from; g < to; g++) {
      int start = ptr[g];
      int n = ptr[g + 1] - start;
      int base = 4 * start;
      for (int r = 0; r < 4; r++) {
        int out = (4 * g + r) * bp;
        java.util.Arrays.fill(yT, out, out + bp, 0f);
        for (int k = 0; k < n; k++) {
          axpy(val[base + r * n + k], xT, idx[start + k] * bp, yT, out, bp);
        }
      }
    }
  }

  @Override
  public void colBlocks(int[] ptr, int[] idx, float[] val, float[] x, float[] y, int from, int to) {
    for (int j = from; j < to; j++) {
      int start = ptr[j];
      int n = ptr[j + 1] - start;
      int base = 4 * start;
      float s = 0;
      for (int k = 0; k < n; k++) {
        int c = idx[start + k];
        s += val[base + k] * x[c] + val[base + n + k] * x[c + 1] + val[base + 2 * n + k] * x[c + 2]
            + val[base + 3 * n + k] * x[c + 3];
      }
      y[j] = s;
    }
  }

  @Override
  public void colBlocksT(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT, int from, int to) {
    for (int j = from; j < to; j++) {
      int start = ptr[j];
      int n = ptr[j + 1] - start;
      int base = 4 * start;
      int out = j * bp;
      java.util.Arrays.fill(yT, out, out + bp, 0f);
      for (int k = 0; k < n; k++) {
        int c = idx[start + k];
        for (int q = 0; q < 4; q++) {
          axpy(val[base + q * n + k], xT, (c + q) * bp, yT, out, bp);
        }
      }
    }
  }

  @Override
  public void twoFour(float[] val, byte[] off, int groups, float[] x, float[] y, int from, int to) {
    for (int j = from; j < to; j++) {
      float s = 0;
      int g0 = j * groups;
      for (int g = 0; g < groups; g++) {
        int o = off[g0 + g];
        int c = 4 * g;
        s += val[2 * (g0 + g)] * x[c + (o & 3)] + val[2 * (g0 + g) + 1] * x[c + ((o >> 2) & 3)];
      }
      y[j] = s;
    }
  }

  @Override
  public void twoFourT(float[] val, byte[] off, int groups, float[] xT, int bp, float[] yT, int from, int to) {
    for (int j = from; j < to; j++) {
      int out = j * bp;
      java.util.Arrays.fill(yT, out, out + bp, 0f);
      int g0 = j * groups;
      for (int g = 0; g < groups; g++) {
        int o = off[g0 + g];
        int c = 4 * g;
        axpy(val[2 * (g0 + g)], xT, (c + (o & 3)) * bp, yT, out, bp);
        axpy(val[2 * (g0 + g) + 1], xT, (c + ((o >> 2) & 3)) * bp, yT, out, bp);
      }
    }
  }

  @Override
  public void sigmoid(float[] a, int off, int len) {
    for (int i = off; i < off + len; i++) {
      a[i] = sigmoid(a[i]);
    }
  }

  @Override
  public void tanh(float[] a, int off, int len) {
    for (int i = off; i < off + len; i++) {
      a[i] = tanh(a[i]);
    }
  }

  @Override
  public void lstmCell(float[] proj, int po, float[] hr, int ro, float[] c, float[] h, int so, int u) {
    for (int j = 0; j < u; j++) {
      float i = sigmoid(proj[po + j] + hr[ro + j]);
      float f = sigmoid(proj[po + u + j] + hr[ro + u + j]);
      float g = tanh(proj[po + 2 * u + j] + hr[ro + 2 * u + j]);
      float o = sigmoid(proj[po + 3 * u + j] + hr[ro + 3 * u + j]);
      float cn = f * c[so + j] + i * g;
      c[so + j] = cn;
      h[so + j] = o * tanh(cn);
    }
  }

  /** In double precision from {@code Math.exp} (an intrinsic; {@code Math.tanh} is not, and is slower). */
  @Override
  public void lstmCellT(float[] projT, float[] hrT, float[] bias, float[] cT, float[] hT, int u, int bp,
      boolean @Nullable [] update) {
    for (int j = 0; j < u; j++) {
      for (int b = 0; b < bp; b++) {
        if (update != null && !update[b]) {
          continue;
        }
        float i = sigmoid(projT[j * bp + b] + hrT[j * bp + b] + bias[j]);
        float f = sigmoid(projT[(u + j) * bp + b] + hrT[(u + j) * bp + b] + bias[u + j]);
        float g = tanh(projT[(2 * u + j) * bp + b] + hrT[(2 * u + j) * bp + b] + bias[2 * u + j]);
        float o = sigmoid(projT[(3 * u + j) * bp + b] + hrT[(3 * u + j) * bp + b] + bias[3 * u + j]);
        float cn = f * cT[j * bp + b] + i * g;
        cT[j * bp + b] = cn;
        hT[j * bp + b] = o * tanh(cn);
      }
    }
  }

  public static float sigmoid(float v) {
    return (float) (1 / (1 + Math.exp(-(double) v)));
  }

  public static float tanh(float v) {
    if (v > 20f) {
      return 1f;
    }
    if (v < -20f) {
      return -1f;
    }
    if (Math.abs(v) < 1e-4f) {
      return v; // tanh(v) = v - v^3/3 + ...: v is exact to float precision here
    }
    double e = Math.exp(2 * (double) v);
    return (float) ((e - 1) / (e + 1));
  }

  private static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int b = 0; b < n; b++) {
      y[yOff + b] += a * x[xOff + b];
    }
  }

  @Override
  public void depthwisePixel(float[] x, int[] taps, int[] wOff, int n, float[] w, float[] bias, float[] y, int yo,
      int depth, float lo, float hi) {
    System.arraycopy(bias, 0, y, yo, depth);
    for (int t = 0; t < n; t++) {
      int xo = taps[t];
      int wo = wOff[t];
      for (int c = 0; c < depth; c++) {
        y[yo + c] += x[xo + c] * w[wo + c];
      }
    }
    for (int c = 0; c < depth; c++) {
      y[yo + c] = Math.min(Math.max(y[yo + c], lo), hi);
    }
  }

  @Override
  public void scaleShiftClamp(float[] y, int n, float @Nullable [] scale, float[] shift, float lo, float hi, int from,
      int to) {
    for (int r = from; r < to; r++) {
      int o = r * n;
      for (int j = 0; j < n; j++) {
        float v = scale == null ? y[o + j] + shift[j] : y[o + j] * scale[j] + shift[j];
        y[o + j] = Math.min(Math.max(v, lo), hi);
      }
    }
  }

  @Override
  public void planeSpmm(int[] ptr, int[] idx, float[] val, float[] x, int xo, int xs, float[] y, int yo, int ys, int len,
      float @Nullable [] scale, float[] shift, float lo, float hi, int from, int to) {
    for (int j = from; j < to; j++) {
      int out = yo + j * ys;
      java.util.Arrays.fill(y, out, out + len, 0f);
      for (int k = ptr[j]; k < ptr[j + 1]; k++) {
        axpy(val[k], x, xo + idx[k] * xs, y, out, len);
      }
      float sc = scale == null ? 1f : scale[j];
      float sh = shift[j];
      for (int p = out; p < out + len; p++) {
        y[p] = Math.min(Math.max(y[p] * sc + sh, lo), hi);
      }
    }
  }

  @Override
  public void planeTaps(float[] x, int[] src, float[] w, int wo, int n, float bias, float lo, float hi, float[] y,
      int yo, int len) {
    for (int q = 0; q < len; q++) {
      float a = bias;
      for (int t = 0; t < n; t++) {
        a = Math.fma(x[src[t] + q], w[wo + t], a);
      }
      y[yo + q] = Math.min(Math.max(a, lo), hi);
    }
  }

  @Override
  public void planeSpmmAt(int[] ptr, int[] idx, float[] val, int j, float[] x, int xo, int xs, int[] xt, float[] y,
      int yo, int[] yt, int from, int to, float scale, float shift, float lo, float hi) {
    for (int v = from; v < to; v++) {
      float a = 0f;
      for (int k = ptr[j]; k < ptr[j + 1]; k++) {
        a = Math.fma(val[k], x[xo + idx[k] * xs + xt[v]], a);
      }
      y[yo + yt[v]] = Math.min(Math.max(a * scale + shift, lo), hi);
    }
  }

  @Override
  public void planeTapsAt(float[] x, int[] src, float[] w, int wo, int nt, float bias, float lo, float hi, int[] xt,
      float[] y, int yo, int[] yt, int from, int to) {
    for (int v = from; v < to; v++) {
      float a = bias;
      for (int t = 0; t < nt; t++) {
        a = Math.fma(x[src[t] + xt[v]], w[wo + t], a);
      }
      y[yo + yt[v]] = Math.min(Math.max(a, lo), hi);
    }
  }
}
