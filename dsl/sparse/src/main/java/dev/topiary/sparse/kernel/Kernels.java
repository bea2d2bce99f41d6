package dev.topiary.sparse.kernel;

import org.jspecify.annotations.Nullable;

/**
 * The inner loops of every weight format, for one range of output rows (so that threads can split a
 * product by rows). Matrices are output-major: row {@code j} holds the weights of output unit {@code j}
 * (the transpose of a Keras kernel {@code [in, out]}).
 *
 * <p>Single-example kernels take {@code x[cols]} and write {@code y[rows]}. Batched kernels ({@code ...T})
 * take the batch transposed, {@code xT[cols][bp]}, and write {@code yT[rows][bp]}, where {@code bp} is the
 * batch padded to a multiple of {@link #lanes()}: one weight then multiplies a whole run of examples.
 * Two implementations: {@link ScalarKernels} (plain Java) and the Vector API one, loaded only when the
 * {@code jdk.incubator.vector} module is present (see {@link KernelPath}).
 */
public interface Kernels {
  /** Batch padding unit of the batched layouts: the vector length, or 1. */
  int lanes();

  /** A short name for reports: {@code vector-512} or {@code scalar}. */
  String name();

  /** Dense row-major {@code w[rows][cols]}. */
  void dense(float[] w, int cols, float[] x, float[] y, int from, int to);

  void denseT(float[] w, int cols, float[] xT, int bp, float[] yT, int from, int to);

  /**
   * Dense input-major {@code w[cols][rows]} (the Keras layout) on a row-major batch: examples
   * {@code from..to} of {@code x[n][cols]} into {@code y[n][rows]}, no transposes. For small matrices
   * (recurrent cells), where transposing the batch would cost more than the product.
   */
  void denseRows(float[] w, int cols, int rows, float[] x, float[] y, int from, int to);

  /**
   * As {@link #denseRows}, skipping the zeros of {@code x}: for inputs that are mostly zeros (the rows of
   * a pruned Embedding table feeding a recurrent layer), where the product costs the non-zeros only.
   */
  void denseRowsSparseInput(float[] w, int cols, int rows, float[] x, float[] y, int from, int to);

  /**
   * CSR in column panels, rows in a given order: with {@code rows = order.length} and {@code P =
   * (ptr.length - 1) / rows} panels, position {@code r} of panel {@code p} holds {@code val[ptr[p rows +
   * r] .. ptr[p rows + r + 1])} at columns {@code idx[...]} for output row {@code order[r]}, whose value is
   * the sum over its panels (one panel, identity order: plain CSR). {@code from}, {@code to} are positions.
   */
  void csr(int[] ptr, int[] idx, float[] val, int[] order, float[] x, float[] y, int from, int to);

  void csrT(int[] ptr, int[] idx, float[] val, int[] order, float[] xT, int bp, float[] yT, int from, int to);

  /** CSR with int8 values and a scale per row: weight = {@code q * scale[row]}. */
  void csr8(int[] ptr, int[] idx, byte[] q, float[] scale, float[] x, float[] y, int from, int to);

  void csr8T(int[] ptr, int[] idx, byte[] q, float[] scale, float[] xT, int bp, float[] yT, int from, int to);

  /**
   * Blocks of 4 output rows sharing one column (a Keras 1x4 block: 1 input, 4 outputs). Group {@code g}
   * (rows {@code 4g..4g+3}) has blocks {@code ptr[g]..ptr[g+1])} at columns {@code idx[...]}; with
   * {@code n} blocks its values are 4 planes, {@code val[4 ptr[g] + r n + k]} for row {@code 4g + r}.
   * {@code y} has {@code 4 groups} entries; rows are groups here ({@code from}, {@code to}).
   */
  void rowBlocks(int[] ptr, int[] idx, float[] val, float[] x, float[] y, int from, int to);

  void rowBlocksT(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT, int from, int to);

  /**
   * Blocks of 4 consecutive columns in one row (a Keras 4x1 block: 4 inputs, 1 output). Row {@code j}
   * has blocks {@code ptr[j]..ptr[j+1])} starting at column {@code idx[...]}; with {@code n} blocks its
   * values are 4 planes, {@code val[4 ptr[j] + q n + k]} for column {@code idx[k] + q}. {@code x} (and
   * {@code xT}) hold {@code cols} rounded up to 4 (zeros past the end).
   */
  void colBlocks(int[] ptr, int[] idx, float[] val, float[] x, float[] y, int from, int to);

  void colBlocksT(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT, int from, int to);

  /**
   * 2:4: in every group of 4 columns at most 2 weights. Row {@code j}, group {@code g}: values
   * {@code val[2 (j groups + g) + s]} at columns {@code 4g + ((off[j groups + g] >> 2s) & 3)}, s = 0, 1.
   * {@code x} holds {@code 4 groups} entries.
   */
  void twoFour(float[] val, byte[] off, int groups, float[] x, float[] y, int from, int to);

  void twoFourT(float[] val, byte[] off, int groups, float[] xT, int bp, float[] yT, int from, int to);

  /** {@code a[off..off+len) = 1 / (1 + exp(-a))} in place (float precision, as TF's). */
  void sigmoid(float[] a, int off, int len);

  /** {@code a[off..off+len) = tanh(a)} in place (float precision, as TF's). */
  void tanh(float[] a, int off, int len);

  /**
   * One LSTM step of one example, Keras' gate order i, f, c, o: the pre-activations are
   * {@code proj[po + gate u + j] + hr[ro + gate u + j]} (input and recurrent products, biases included);
   * {@code c[so + j] = f c + i tanh(cand)} and {@code h[so + j] = o tanh(c)}, in place, in one pass
   * (no intermediate arrays: the gates of a 32-unit cell are a few vectors).
   */
  void lstmCell(float[] proj, int po, float[] hr, int ro, float[] c, float[] h, int so, int u);

  /**
   * One LSTM step of a whole batch share in the transposed layout ({@code [row][bp]}, examples along the
   * vector lanes): the pre-activation of gate row {@code r} is {@code projT[r] + hrT[r] + bias[r]}, rows in
   * Keras' gate order i, f, c, o ({@code 4u} rows); {@code cT} and {@code hT} ({@code u} rows) are updated
   * in place, except in lanes where {@code update} (length {@code bp}) is false (masked steps).
   * {@code projT} and {@code hrT} are overwritten (scratch); {@code bp} is a multiple of {@link #lanes()}.
   */
  void lstmCellT(float[] projT, float[] hrT, float[] bias, float[] cT, float[] hT, int u, int bp,
      boolean @Nullable [] update);

  /**
   * One output pixel of a depthwise convolution with one filter per channel, bias and clamp fused:
   * {@code y[yo + c] = min(max(bias[c] + sum_t x[taps[t] + c] * w[wOff[t] + c], lo), hi)} for
   * {@code c < depth}, over taps {@code t < n} (the window positions inside the input). The sum stays in
   * registers over the taps and the pixel is written once; {@code lo}/{@code hi} are infinite for no clamp,
   * {@code 0}/{@code inf} for ReLU, {@code 0}/{@code 6} for ReLU6.
   */
  void depthwisePixel(float[] x, int[] taps, int[] wOff, int n, float[] w, float[] bias, float[] y, int yo, int depth,
      float lo, float hi);

  /**
   * {@code y[r][j] = min(max(y[r][j] * scale[j] + shift[j], lo), hi)} for rows {@code from..to} of
   * {@code n} values, in place: a layer's bias, a folded batch normalization and ReLU / ReLU6 in one pass.
   * {@code scale} may be null (1).
   */
  void scaleShiftClamp(float[] y, int n, float @Nullable [] scale, float[] shift, float lo, float hi, int from, int to);

  /**
   * {@link #depthwisePixel} for {@code pixels} output pixels side by side whose windows lie wholly inside
   * the input (the interior of a row): pixel {@code p} reads {@code x} at {@code taps[t] + p * step} and
   * writes {@code y} at {@code yo + p * depth}. Several pixels share each weight load and keep independent
   * sums in flight.
   */
  default void depthwiseRow(float[] x, int[] taps, int[] wOff, int n, int step, int pixels, float[] w, float[] bias,
      float[] y, int yo, int depth, float lo, float hi) {
    int[] shifted = new int[n];
    for (int p = 0; p < pixels; p++) {
      for (int t = 0; t < n; t++) {
        shifted[t] = taps[t] + p * step;
      }
      depthwisePixel(x, shifted, wOff, n, w, bias, y, yo + p * depth, depth, lo, hi);
    }
  }

  /**
   * A 1x1 convolution on channel-major planes (CSR rows over output channels, natural order): for output
   * channels {@code j} in {@code from..to} and pixels {@code p < len},
   * {@code y[yo + j ys + p] = min(max((sum_k val[k] x[xo + idx[k] xs + p]) scale[j] + shift[j], lo), hi)},
   * {@code k} over {@code ptr[j]..ptr[j + 1]}. Each non-zero weight is one broadcast and one FMA per vector
   * of pixels: no gathers, no transposes. {@code len} is a multiple of {@link #lanes()}; {@code scale} may be
   * null (1).
   */
  void planeSpmm(int[] ptr, int[] idx, float[] val, float[] x, int xo, int xs, float[] y, int yo, int ys, int len,
      float @Nullable [] scale, float[] shift, float lo, float hi, int from, int to);

  /**
   * One output row of a depthwise convolution on a channel-major plane:
   * {@code y[yo + q] = min(max(bias + sum_t w[wo + t] x[src[t] + q], lo), hi)} for {@code q < len}, taps
   * {@code t < n} (the window rows of a padded, for strides above 1 column-split, copy of the plane, so that
   * every tap reads {@code len} consecutive values).
   */
  void planeTaps(float[] x, int[] src, float[] w, int wo, int n, float bias, float lo, float hi, float[] y, int yo,
      int len);

  /**
   * {@link #planeSpmm} for one output channel {@code j}, on runs of {@link #lanes()} values placed by two
   * tables instead of one flat run: for runs {@code v} in {@code from..to} and {@code q < lanes()},
   * {@code y[yo + yt[v] + q] = min(max((sum_k val[k] x[xo + idx[k] xs + xt[v] + q]) scale + shift, lo), hi)}.
   * The runs are computed and stored in the order of {@code v}, so that a run reaching past the end of a
   * row into the next one's place is overwritten by that row's runs (tables of rows narrower than a vector).
   */
  void planeSpmmAt(int[] ptr, int[] idx, float[] val, int j, float[] x, int xo, int xs, int[] xt, float[] y, int yo,
      int[] yt, int from, int to, float scale, float shift, float lo, float hi);

  /**
   * {@link #planeTaps} on runs of {@link #lanes()} values placed by two tables: for runs {@code v} in {@code from..to} and
   * {@code q < lanes()}, {@code y[yo + yt[v] + q] = min(max(bias + sum_t w[wo + t] x[src[t] + xt[v] + q], lo),
   * hi)}, taps {@code t < nt}, stored in the order of {@code v} (see {@link #planeSpmmAt}).
   */
  void planeTapsAt(float[] x, int[] src, float[] w, int wo, int nt, float bias, float lo, float hi, int[] xt,
      float[] y, int yo, int[] yt, int from, int to);
}
