package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import java.util.List;

/** MaxPooling2D / AveragePooling2D (NHWC); SAME padding counts only real elements, as TF. */
final class Pool2DOp implements LayerOp {
  private final boolean max;
  private final int h;
  private final int w;
  private final int ch;
  private final int ph;
  private final int pw;
  private final int sr;
  private final int sc;
  private final int oh;
  private final int ow;
  private final int padTop;
  private final int padLeft;

  Pool2DOp(boolean max, int[] in, int ph, int pw, int sr, int sc, boolean same) {
    this.max = max;
    this.h = in[0];
    this.w = in[1];
    this.ch = in[2];
    this.ph = ph;
    this.pw = pw;
    this.sr = sr;
    this.sc = sc;
    Window window = Window.of(h, w, ph, pw, sr, sc, same);
    oh = window.outH();
    ow = window.outW();
    padTop = window.padTop();
    padLeft = window.padLeft();
  }

  @Override
  public List<Value> run(List<Value> inputs, dev.topiary.sparse.exec.Exec exec) {
    Value x = inputs.get(0);
    float[] d = x.data();
    float[] out = exec.floats(x.batch() * oh * ow * ch); // every output written below
    for (int b = 0; b < x.batch(); b++) {
      for (int r = 0; r < oh; r++) {
        for (int q = 0; q < ow; q++) {
          for (int c = 0; c < ch; c++) {
            float acc = max ? Float.NEGATIVE_INFINITY : 0f;
            int count = 0;
            for (int i = 0; i < ph; i++) {
              int yy = r * sr + i - padTop;
              if (yy < 0 || yy >= h) {
                continue;
              }
              for (int j = 0; j < pw; j++) {
                int xx = q * sc + j - padLeft;
                if (xx < 0 || xx >= w) {
                  continue;
                }
                float v = d[((b * h + yy) * w + xx) * ch + c];
                acc = max ? Math.max(acc, v) : acc + v;
                count++;
              }
            }
            out[((b * oh + r) * ow + q) * ch + c] = max ? acc : acc / count;
          }
        }
      }
    }
    return List.of(new Value(out, x.batch(), new int[] {oh, ow, ch}));
  }
}
