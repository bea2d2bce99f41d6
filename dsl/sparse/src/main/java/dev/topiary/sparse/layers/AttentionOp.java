package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.List;

/**
 * Topiary's MultiHeadAttention: the four projections ({@code [features, heads * keyDim]} query, key and
 * value kernels, {@code [heads * keyDim, queryFeatures]} output kernel, each with its bias) are products
 * on {@link WeightMatrix}es in the planner's format, every step of the batch in one product; the
 * attention between them (scores scaled by {@code 1 / sqrt(keyDim)} after the dot product, as the layer
 * does, softmax over the value steps) is plain Java per example and head. After a mask_zero Embedding,
 * as the layer's TF graph: a score whose query, value or key step is padding is -1e9 before the softmax,
 * and the query's mask goes on; causal attention likewise masks value steps after the query's.
 */
final class AttentionOp implements LayerOp {
  /** What the layer's graph puts in place of a masked score (Keras' large negative number). */
  private static final float MASKED = -1e9f;
  private final int heads;
  private final int keyDim;
  private final boolean causal;
  private final WeightMatrix query;
  private final WeightMatrix key;
  private final WeightMatrix value;
  private final WeightMatrix output;
  private final float[] queryBias;
  private final float[] keyBias;
  private final float[] valueBias;
  private final float[] outputBias;

  AttentionOp(int heads, int keyDim, boolean causal, WeightMatrix query, float[] queryBias, WeightMatrix key, float[] keyBias,
      WeightMatrix value, float[] valueBias, WeightMatrix output, float[] outputBias) {
    this.heads = heads;
    this.keyDim = keyDim;
    this.causal = causal;
    this.query = query;
    this.key = key;
    this.value = value;
    this.output = output;
    this.queryBias = queryBias;
    this.keyBias = keyBias;
    this.valueBias = valueBias;
    this.outputBias = outputBias;
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value qx = inputs.get(0);
    Value vx = inputs.size() > 1 ? inputs.get(1) : qx;
    Value kx = inputs.size() > 2 ? inputs.get(2) : vx;
    int batch = qx.batch();
    int tq = qx.shape()[0];
    int tv = vx.shape()[0];
    int hd = heads * keyDim;
    float[] q = DenseOp.project(query, Epilogue.of(queryBias, Activation.LINEAR), qx.data(), batch * tq, exec);
    float[] k = DenseOp.project(key, Epilogue.of(keyBias, Activation.LINEAR), kx.data(), batch * tv, exec);
    float[] v = DenseOp.project(value, Epilogue.of(valueBias, Activation.LINEAR), vx.data(), batch * tv, exec);
    boolean[] qm = qx.mask();
    boolean[] vm = inputs.size() > 1 ? vx.mask() : qm;
    boolean[] km = inputs.size() > 2 ? kx.mask() : null;
    float scale = (float) (1 / Math.sqrt(keyDim));
    float[] context = new float[batch * tq * hd];
    float[] scores = new float[tv];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int ho = h * keyDim;
        for (int i = 0; i < tq; i++) {
          int qo = (b * tq + i) * hd + ho;
          float max = Float.NEGATIVE_INFINITY;
          for (int j = 0; j < tv; j++) {
            int ko = (b * tv + j) * hd + ho;
            float s = 0;
            for (int d = 0; d < keyDim; d++) {
              s += q[qo + d] * k[ko + d];
            }
            s *= scale;
            if (qm != null && !qm[b * tq + i] || vm != null && !vm[b * tv + j] || km != null && !km[b * tv + j]
                || causal && j > i) {
              s = MASKED;
            }
            scores[j] = s;
            max = Math.max(max, s);
          }
          float sum = 0;
          for (int j = 0; j < tv; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
          }
          float inv = 1 / sum;
          for (int j = 0; j < tv; j++) {
            float a = scores[j] * inv;
            int vo = (b * tv + j) * hd + ho;
            for (int d = 0; d < keyDim; d++) {
              context[qo + d] += a * v[vo + d];
            }
          }
        }
      }
    }
    float[] y = DenseOp.project(output, Epilogue.of(outputBias, Activation.LINEAR), context, batch * tq, exec);
    return List.of(new Value(y, batch, new int[] {tq, output.outputs()}, qm));
  }
}
