package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.kernel.Kernels;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * SimpleRNN, LSTM and GRU as Topiary's {@code Recurrent} computes them: one product for the input
 * projection of every step ({@code batch * steps} rows on the kernel's matrix), then per step the
 * recurrent product on its own matrix and the gates for the whole batch at once (sigmoid and tanh
 * through the kernels, vectorized when the Vector API is present). Masked steps keep the previous state.
 */
final class RecurrentOp implements LayerOp {
  enum Cell { SIMPLE, LSTM, GRU }

  private final Cell cell;
  private final int units;
  private final WeightMatrix kernel;
  private final WeightMatrix recurrent;
  private final float[] inputBias;
  private final float @Nullable [] recurrentBias;
  private final boolean returnSequences;
  private final boolean goBackwards;
  private final boolean returnState;

  RecurrentOp(Cell cell, int units, WeightMatrix kernel, WeightMatrix recurrent, float[] inputBias,
      float @Nullable [] recurrentBias, boolean returnSequences, boolean goBackwards, boolean returnState) {
    this.cell = cell;
    this.units = units;
    this.kernel = kernel;
    this.recurrent = recurrent;
    this.inputBias = inputBias;
    this.recurrentBias = recurrentBias;
    this.returnSequences = returnSequences;
    this.goBackwards = goBackwards;
    this.returnState = returnState;
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value x = inputs.get(0);
    int batch = x.batch();
    int steps = x.shape()[0];
    int g = kernel.outputs();
    int u = units;
    float[] proj = DenseOp.project(kernel, inputBias, x.data(), batch * steps, exec);
    boolean[] mask = x.mask();
    float[] h = new float[batch * u];
    float[] c = new float[batch * u];
    float[] nh = new float[batch * u];
    float[] nc = new float[batch * u];
    float[] hr = new float[batch * g];
    float[] z = new float[batch * g];
    float[] seq = returnSequences ? new float[batch * steps * u] : null;
    Kernels k = exec.kernels();
    for (int s = 0; s < steps; s++) {
      int t = goBackwards ? steps - 1 - s : s;
      recurrent.multiply(exec, h, batch, hr);
      if (recurrentBias != null) {
        for (int b = 0; b < batch; b++) {
          for (int j = 0; j < g; j++) {
            hr[b * g + j] += recurrentBias[j];
          }
        }
      }
      switch (cell) {
        case SIMPLE -> {
          for (int b = 0; b < batch; b++) {
            int xo = (b * steps + t) * g;
            for (int j = 0; j < u; j++) {
              nh[b * u + j] = proj[xo + j] + hr[b * g + j];
            }
          }
          k.tanh(nh, 0, batch * u);
        }
        case LSTM -> {
          // One sigmoid over all gates of the batch: the candidate gate uses tanh(x) = 2 sigmoid(2x) - 1.
          for (int b = 0; b < batch; b++) {
            int xo = (b * steps + t) * g;
            int zo = b * g;
            for (int j = 0; j < g; j++) {
              z[zo + j] = proj[xo + j] + hr[zo + j];
            }
            for (int j = 2 * u; j < 3 * u; j++) {
              z[zo + j] *= 2;
            }
          }
          k.sigmoid(z, 0, batch * g);
          for (int b = 0; b < batch; b++) {
            int zo = b * g;
            for (int j = 0; j < u; j++) {
              float cn = z[zo + u + j] * c[b * u + j] + z[zo + j] * (2 * z[zo + 2 * u + j] - 1);
              nc[b * u + j] = cn;
              nh[b * u + j] = cn;
            }
          }
          k.tanh(nh, 0, batch * u);
          for (int b = 0; b < batch; b++) {
            for (int j = 0; j < u; j++) {
              nh[b * u + j] *= z[b * g + 3 * u + j];
            }
          }
        }
        case GRU -> {
          for (int b = 0; b < batch; b++) {
            int xo = (b * steps + t) * g;
            int zo = b * g;
            for (int j = 0; j < 2 * u; j++) {
              z[zo + j] = proj[xo + j] + hr[zo + j];
            }
            k.sigmoid(z, zo, 2 * u);
            for (int j = 0; j < u; j++) {
              z[zo + 2 * u + j] = proj[xo + 2 * u + j] + z[zo + u + j] * hr[zo + 2 * u + j];
            }
            k.tanh(z, zo + 2 * u, u);
            for (int j = 0; j < u; j++) {
              float zg = z[zo + j];
              nh[b * u + j] = zg * h[b * u + j] + (1 - zg) * z[zo + 2 * u + j];
            }
          }
        }
      }
      for (int b = 0; b < batch; b++) {
        if (mask == null || mask[b * steps + t]) {
          System.arraycopy(nh, b * u, h, b * u, u);
          if (cell == Cell.LSTM) {
            System.arraycopy(nc, b * u, c, b * u, u);
          }
        }
        if (seq != null) {
          System.arraycopy(h, b * u, seq, (b * steps + s) * u, u);
        }
      }
    }
    List<Value> out = new ArrayList<>();
    out.add(seq != null ? new Value(seq, batch, new int[] {steps, u}, mask) : new Value(h.clone(), batch, new int[] {u}));
    if (returnState) {
      out.add(new Value(h, batch, new int[] {u}));
      if (cell == Cell.LSTM) {
        out.add(new Value(c, batch, new int[] {u}));
      }
    }
    return out;
  }
}
