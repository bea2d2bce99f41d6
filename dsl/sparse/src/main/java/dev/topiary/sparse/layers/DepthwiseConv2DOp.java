package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * DepthwiseConv2D (NHWC), and SeparableConv2D as it followed by its 1x1 pointwise convolution. The
 * depthwise step is a direct loop (each input channel meets only its own {@code kh x kw x multiplier}
 * filter, so there is no product to make sparse; TFMOT leaves the depthwise kernel dense too); the
 * pointwise step is one product of the pixels {@code [pixels, channels * multiplier]} with the pointwise
 * kernel's matrix (dense or sparse, as chosen), which holds nearly all of a separable layer's weights and
 * multiply-adds.
 *
 * <p>With one filter per channel (MobileNet, DS-CNN) each output pixel is one {@link
 * dev.topiary.sparse.kernel.Kernels#depthwisePixel} call: the channels along the vector lanes, the window's
 * taps summed in registers, bias and a ReLU / ReLU6 clamp fused, and a folded batch normalization's scale
 * multiplied into a private copy of the kernel. Zero inputs are not skipped: after a ReLU about half are
 * zero at random, and the branch cost more than the multiply it saved (DS-CNN's depthwise layer: 300 us).
 */
final class DepthwiseConv2DOp implements LayerOp {
  private final float[] depthwise; // [k, k, channels, multiplier], as Keras stores it
  private final @Nullable WeightMatrix pointwise;
  private final Epilogue epilogue;
  /** The depthwise step's own bias and clamp when they are fused into the pixel loop, else zeros / none. */
  private final float[] pixelBias;
  private final float lo;
  private final float hi;
  /** Whether {@link #epilogue} still has to run on the depthwise step's output (not fused into the loop). */
  private final boolean epilogueAfter;
  private final int h;
  private final int wd;
  private final int channels;
  private final int k;
  private final int multiplier;
  private final int stride;
  private final int oh;
  private final int ow;
  private final int padTop;
  private final int padLeft;

  /**
   * @param pointwise the separable layer's pointwise kernel, or null for a depthwise layer
   * @param epilogue what follows the layer's product: the bias (after the pointwise step for a separable
   *     layer), a folded batch normalization, the activation
   */
  DepthwiseConv2DOp(float[] depthwise, @Nullable WeightMatrix pointwise, Epilogue epilogue, int[] in, int k,
      int multiplier, int stride, boolean same) {
    this.pointwise = pointwise;
    this.epilogue = epilogue;
    this.h = in[0];
    this.wd = in[1];
    this.channels = in[2];
    this.k = k;
    this.multiplier = multiplier;
    this.stride = stride;
    int depth = channels * multiplier;
    boolean fuse = pointwise == null && multiplier == 1 && epilogue.clamps();
    if (fuse) {
      float[] scale = epilogue.scale();
      float[] kernel = depthwise.clone();
      if (scale != null) {
        for (int i = 0; i < kernel.length; i++) {
          kernel[i] *= scale[i % depth];
        }
      }
      this.depthwise = kernel;
      this.pixelBias = epilogue.shift() != null ? epilogue.shift() : new float[depth];
      this.lo = epilogue.lo();
      this.hi = epilogue.hi();
    } else {
      this.depthwise = depthwise;
      this.pixelBias = new float[depth];
      this.lo = Float.NEGATIVE_INFINITY;
      this.hi = Float.POSITIVE_INFINITY;
    }
    this.epilogueAfter = pointwise == null && !fuse;
    Window window = Window.of(h, wd, k, k, stride, stride, same);
    oh = window.outH();
    ow = window.outW();
    padTop = window.padTop();
    padLeft = window.padLeft();
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value x = inputs.get(0);
    int batch = x.batch();
    int depth = channels * multiplier;
    float[] mid = exec.zeros(batch * oh * ow * depth); // the depth-multiplier loop adds into it
    float[] d = x.data();
    exec.forRows(batch * oh, (long) ow * k * k * depth, (from, to) -> {
      if (multiplier == 1) {
        pixels(exec, d, mid, from, to);
      } else {
        multiplied(d, mid, from, to);
      }
    });
    if (pointwise == null) {
      if (epilogueAfter) {
        epilogue.apply(mid, batch * oh * ow, depth, exec);
      }
      return List.of(new Value(mid, batch, new int[] {oh, ow, depth}));
    }
    float[] y = DenseOp.project(pointwise, epilogue, mid, batch * oh * ow, exec);
    exec.release(mid);
    return List.of(new Value(y, batch, new int[] {oh, ow, pointwise.outputs()}));
  }

  /**
   * Output rows {@code from..to} (batch x output row) with one filter per channel: the columns whose
   * window lies inside the input in one {@link dev.topiary.sparse.kernel.Kernels#depthwiseRow} call, the
   * edges pixel by pixel.
   */
  private void pixels(Exec exec, float[] d, float[] mid, int from, int to) {
    int[] taps = new int[k * k];
    int[] wOff = new int[k * k];
    // interior columns: q * stride - padLeft >= 0 and q * stride - padLeft + k - 1 < wd
    int q0 = Math.min(ow, (padLeft + stride - 1) / stride);
    int q1 = Math.max(q0, Math.min(ow, wd - k + padLeft >= 0 ? (wd - k + padLeft) / stride + 1 : 0));
    for (int br = from; br < to; br++) {
      int b = br / oh;
      int r = br % oh;
      if (q1 > q0) {
        // the first interior pixel's taps; the row kernel steps them by stride * channels per pixel
        int n = taps(b, r, q0, taps, wOff);
        exec.kernels().depthwiseRow(d, taps, wOff, n, stride * channels, q1 - q0, depthwise, pixelBias, mid,
            ((b * oh + r) * ow + q0) * channels, channels, lo, hi);
      }
      for (int q = 0; q < ow; q++) {
        if (q == q0 && q1 > q0) {
          q = q1 - 1;
          continue;
        }
        int n = taps(b, r, q, taps, wOff);
        exec.kernels().depthwisePixel(d, taps, wOff, n, depthwise, pixelBias, mid, ((b * oh + r) * ow + q) * channels,
            channels, lo, hi);
      }
    }
  }

  /**
   * The window taps of output pixel (example {@code b}, row {@code r}, column {@code q}) that lie inside the
   * input: each one's input offset in {@code taps} and its filter offset in {@code wOff}; returns how many.
   */
  private int taps(int b, int r, int q, int[] taps, int[] wOff) {
    int n = 0;
    for (int i = 0; i < k; i++) {
      int yy = r * stride + i - padTop;
      if (yy < 0 || yy >= h) {
        continue;
      }
      for (int j = 0; j < k; j++) {
        int xx = q * stride + j - padLeft;
        if (xx < 0 || xx >= wd) {
          continue;
        }
        taps[n] = ((b * h + yy) * wd + xx) * channels;
        wOff[n] = (i * k + j) * channels;
        n++;
      }
    }
    return n;
  }

  /** Output rows {@code from..to} with {@code multiplier > 1} filters per channel (plain loops, no bias). */
  private void multiplied(float[] d, float[] mid, int from, int to) {
    int depth = channels * multiplier;
    int[] taps = new int[k * k];
    int[] wOff = new int[k * k];
    for (int br = from; br < to; br++) {
      int b = br / oh;
      int r = br % oh;
      for (int q = 0; q < ow; q++) {
        int out = ((b * oh + r) * ow + q) * depth;
        int n = taps(b, r, q, taps, wOff);
        for (int t = 0; t < n; t++) {
          int src = taps[t];
          int filter = wOff[t] * multiplier; // [i, j, c, m] flattened: (i * k + j) * depth + c * multiplier + m
          for (int c = 0; c < channels; c++) {
            float v = d[src + c];
            int o = out + c * multiplier;
            int f = filter + c * multiplier;
            for (int m = 0; m < multiplier; m++) {
              mid[o + m] += v * depthwise[f + m];
            }
          }
        }
      }
    }
  }
}
