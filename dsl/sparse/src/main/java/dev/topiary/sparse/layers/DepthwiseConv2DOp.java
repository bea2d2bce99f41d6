package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.sparse.exec.Activations;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * DepthwiseConv2D (NHWC), and SeparableConv2D as it followed by its 1x1 pointwise convolution. The
 * depthwise step is a direct loop (each input channel meets only its own {@code kh x kw x multiplier}
 * filter, so there is no product to make sparse; TFMOT leaves the depthwise kernel dense too, and a
 * pruned one is skipped where zero); the pointwise step is one product of the pixels
 * {@code [pixels, channels * multiplier]} with the pointwise kernel's matrix (dense or sparse, as chosen),
 * which holds nearly all of a separable layer's weights and multiply-adds.
 */
final class DepthwiseConv2DOp implements LayerOp {
  private final float[] depthwise; // [k, k, channels, multiplier], as Keras stores it
  private final @Nullable WeightMatrix pointwise;
  private final float @Nullable [] bias;
  private final Activation activation;
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
   * @param bias the layer's bias (after the pointwise step for a separable layer), or null
   */
  DepthwiseConv2DOp(float[] depthwise, @Nullable WeightMatrix pointwise, float @Nullable [] bias, Activation activation,
      int[] in, int k, int multiplier, int stride, boolean same) {
    this.depthwise = depthwise;
    this.pointwise = pointwise;
    this.bias = bias;
    this.activation = activation;
    this.h = in[0];
    this.wd = in[1];
    this.channels = in[2];
    this.k = k;
    this.multiplier = multiplier;
    this.stride = stride;
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
    float[] mid = new float[batch * oh * ow * depth];
    float[] d = x.data();
    float @Nullable [] depthBias = pointwise == null ? bias : null;
    exec.forRows(batch * oh, (long) ow * k * k * depth, (from, to) -> {
      for (int br = from; br < to; br++) {
        int b = br / oh;
        int r = br % oh;
        for (int q = 0; q < ow; q++) {
          int out = ((b * oh + r) * ow + q) * depth;
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
              int src = ((b * h + yy) * wd + xx) * channels;
              int filter = (i * k + j) * depth; // [i, j, c, m] flattened: c * multiplier + m
              for (int c = 0; c < channels; c++) {
                float v = d[src + c];
                if (v == 0f) {
                  continue;
                }
                int o = out + c * multiplier;
                int f = filter + c * multiplier;
                for (int m = 0; m < multiplier; m++) {
                  mid[o + m] += v * depthwise[f + m];
                }
              }
            }
          }
          if (depthBias != null) {
            for (int c = 0; c < depth; c++) {
              mid[out + c] += depthBias[c];
            }
          }
        }
      }
    });
    if (pointwise == null) {
      Activations.apply(activation, mid, mid.length, depth);
      return List.of(new Value(mid, batch, new int[] {oh, ow, depth}));
    }
    float[] y = DenseOp.project(pointwise, bias, mid, batch * oh * ow, exec);
    Activations.apply(activation, y, y.length, pointwise.outputs());
    return List.of(new Value(y, batch, new int[] {oh, ow, pointwise.outputs()}));
  }
}
