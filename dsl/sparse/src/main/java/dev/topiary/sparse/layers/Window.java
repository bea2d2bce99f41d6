package dev.topiary.sparse.layers;

/**
 * Output size and leading padding of a 2-D sliding window (convolution or pooling), as TF computes
 * them: SAME keeps {@code ceil(size / stride)} outputs and puts the odd padding pixel after the data,
 * VALID keeps only windows that fit. {@code windowH}/{@code windowW} are the effective window sizes
 * (dilation already applied).
 */
record Window(int outH, int outW, int padTop, int padLeft) {

  static Window of(int h, int w, int windowH, int windowW, int strideH, int strideW, boolean same) {
    if (!same) {
      return new Window((h - windowH) / strideH + 1, (w - windowW) / strideW + 1, 0, 0);
    }
    int oh = (h + strideH - 1) / strideH;
    int ow = (w + strideW - 1) / strideW;
    return new Window(oh, ow, Math.max((oh - 1) * strideH + windowH - h, 0) / 2,
        Math.max((ow - 1) * strideW + windowW - w, 0) / 2);
  }
}
