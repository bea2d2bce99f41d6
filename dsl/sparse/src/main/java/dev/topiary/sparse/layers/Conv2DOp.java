package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.List;

/**
 * Conv2D (NHWC) as im2col + one product: each output pixel's receptive field, ordered as the kernel
 * {@code [kh, kw, in, out]} flattens, is a row of a {@code [pixels, kh kw in]} matrix multiplied by the
 * kernel's matrix (dense or sparse, as chosen); a 1x1 convolution with stride 1 multiplies the input itself.
 * SAME padding splits as TF does (the extra row/column after). Bias, a folded batch normalization and the
 * activation follow in one pass ({@link Epilogue}).
 */
final class Conv2DOp implements LayerOp {
  private final WeightMatrix w;
  private final Epilogue epilogue;
  private final int h;
  private final int wd;
  private final int cin;
  private final int kh;
  private final int kw;
  private final int sr;
  private final int sc;
  private final int dil;
  private final int oh;
  private final int ow;
  private final int padTop;
  private final int padLeft;

  Conv2DOp(WeightMatrix w, Epilogue epilogue, int[] in, int kh, int kw, int sr, int sc, int dil, boolean same) {
    this.w = w;
    this.epilogue = epilogue;
    this.h = in[0];
    this.wd = in[1];
    this.cin = in[2];
    this.kh = kh;
    this.kw = kw;
    this.sr = sr;
    this.sc = sc;
    this.dil = dil;
    int ekh = (kh - 1) * dil + 1;
    int ekw = (kw - 1) * dil + 1;
    Window window = Window.of(h, wd, ekh, ekw, sr, sc, same);
    oh = window.outH();
    ow = window.outW();
    padTop = window.padTop();
    padLeft = window.padLeft();
  }

  int pixels() {
    return oh * ow;
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value x = inputs.get(0);
    int batch = x.batch();
    float[] d = x.data();
    if (kh == 1 && kw == 1 && sr == 1 && sc == 1) {
      // A 1x1 convolution (MobileNet's pointwise layers): the input already is the [pixels, channels] matrix.
      float[] y = DenseOp.project(w, epilogue, d, batch * oh * ow, exec);
      return List.of(new Value(y, batch, new int[] {oh, ow, w.outputs()}));
    }
    int patch = kh * kw * cin;
    float[] cols = exec.zeros(batch * oh * ow * patch); // the window's taps past the input stay 0
    for (int b = 0; b < batch; b++) {
      for (int r = 0; r < oh; r++) {
        for (int q = 0; q < ow; q++) {
          int row = ((b * oh + r) * ow + q) * patch;
          for (int i = 0; i < kh; i++) {
            int yy = r * sr + i * dil - padTop;
            if (yy < 0 || yy >= h) {
              continue;
            }
            for (int j = 0; j < kw; j++) {
              int xx = q * sc + j * dil - padLeft;
              if (xx < 0 || xx >= wd) {
                continue;
              }
              System.arraycopy(d, ((b * h + yy) * wd + xx) * cin, cols, row + (i * kw + j) * cin, cin);
            }
          }
        }
      }
    }
    float[] y = DenseOp.project(w, epilogue, cols, batch * oh * ow, exec);
    exec.release(cols);
    return List.of(new Value(y, batch, new int[] {oh, ow, w.outputs()}));
  }
}
