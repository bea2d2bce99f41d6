package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.Shapes;

/**
 * Output size and leading padding of a 2-D sliding window (convolution or pooling), by the one window
 * arithmetic the layers use ({@link Shapes#windowOutput}, {@link Shapes#windowPadBefore}).
 * {@code windowH}/{@code windowW} are the effective window sizes (dilation already applied).
 */
record Window(int outH, int outW, int padTop, int padLeft) {

  static Window of(int h, int w, int windowH, int windowW, int strideH, int strideW, boolean same) {
    Padding p = same ? Padding.SAME : Padding.VALID;
    return new Window((int) Shapes.windowOutput(h, windowH, strideH, 1, p), (int) Shapes.windowOutput(w, windowW, strideW, 1, p),
        (int) Shapes.windowPadBefore(h, windowH, strideH, 1, p), (int) Shapes.windowPadBefore(w, windowW, strideW, 1, p));
  }
}
