package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import java.util.List;

/**
 * GlobalAveragePooling1D / GlobalMaxPooling1D: {@code (steps, features) -> (features)} per example (or
 * {@code (1, features)} with keepdims). After a masking Embedding the mean counts only the real steps
 * (dividing by at least 1), as the layer's TF graph does; the max reads every step, as Keras 3's
 * GlobalMaxPooling1D (no masking). Not lowered layers because primitives carry no masks.
 */
final class GlobalPooling1DOp implements LayerOp {
  private final boolean max;
  private final int[] outShape;

  GlobalPooling1DOp(boolean max, int[] outShape) {
    this.max = max;
    this.outShape = outShape.clone();
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value x = inputs.get(0);
    int steps = x.shape()[0];
    int features = x.shape()[1];
    float[] in = x.data();
    boolean[] mask = x.mask();
    float[] out = new float[x.batch() * features];
    for (int b = 0; b < x.batch(); b++) {
      int o = b * features;
      if (max) {
        java.util.Arrays.fill(out, o, o + features, Float.NEGATIVE_INFINITY);
      }
      int real = 0;
      for (int s = 0; s < steps; s++) {
        boolean keep = max || mask == null || mask[b * steps + s];
        real += keep ? 1 : 0;
        int i = (b * steps + s) * features;
        for (int f = 0; f < features; f++) {
          float v = in[i + f];
          if (max) {
            out[o + f] = Math.max(out[o + f], v);
          } else if (keep) {
            out[o + f] += v;
          }
        }
      }
      if (!max) {
        float count = mask == null ? steps : Math.max(real, 1);
        for (int f = 0; f < features; f++) {
          out[o + f] /= count;
        }
      }
    }
    return List.of(new Value(out, x.batch(), outShape, null));
  }
}
