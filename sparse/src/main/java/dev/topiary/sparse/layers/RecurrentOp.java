package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Activations;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * SimpleRNN, LSTM and GRU as Topiary's {@code Recurrent} computes them: one product for the input
 * projection of every step ({@code batch * steps} rows on the kernel's matrix), then per step the
 * recurrent product on its own matrix and the gates in Java. Masked steps keep the previous state.
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
    float[] proj = DenseOp.project(kernel, inputBias, x.data(), batch * steps, exec);
    boolean[] mask = x.mask();
    float[] h = new float[batch * units];
    float[] c = new float[batch * units];
    float[] hr = new float[batch * g];
    float[] seq = returnSequences ? new float[batch * steps * units] : null;
    for (int s = 0; s < steps; s++) {
      int t = goBackwards ? steps - 1 - s : s;
      recurrent.multiply(exec, h, batch, hr);
      for (int b = 0; b < batch; b++) {
        if (mask == null || mask[b * steps + t]) {
          step(proj, (b * steps + t) * g, hr, b * g, h, c, b * units);
        }
        if (seq != null) {
          System.arraycopy(h, b * units, seq, (b * steps + s) * units, units);
        }
      }
    }
    List<Value> out = new ArrayList<>();
    out.add(seq != null ? new Value(seq, batch, new int[] {steps, units}, mask)
        : new Value(h.clone(), batch, new int[] {units}));
    if (returnState) {
      out.add(new Value(h, batch, new int[] {units}));
      if (cell == Cell.LSTM) {
        out.add(new Value(c, batch, new int[] {units}));
      }
    }
    return out;
  }

  /** One cell step for one example: {@code xt = proj[xo..]}, {@code hr = h . R} at {@code ro}, state at {@code so}. */
  private void step(float[] proj, int xo, float[] hr, int ro, float[] h, float[] c, int so) {
    int u = units;
    switch (cell) {
      case SIMPLE -> {
        for (int k = 0; k < u; k++) {
          h[so + k] = (float) Math.tanh(proj[xo + k] + hr[ro + k]);
        }
      }
      case LSTM -> {
        for (int k = 0; k < u; k++) {
          float i = Activations.sigmoid(proj[xo + k] + hr[ro + k]);
          float f = Activations.sigmoid(proj[xo + u + k] + hr[ro + u + k]);
          float gg = (float) Math.tanh(proj[xo + 2 * u + k] + hr[ro + 2 * u + k]);
          float o = Activations.sigmoid(proj[xo + 3 * u + k] + hr[ro + 3 * u + k]);
          float cn = f * c[so + k] + i * gg;
          c[so + k] = cn;
          h[so + k] = o * (float) Math.tanh(cn);
        }
      }
      case GRU -> {
        float[] rb = recurrentBias;
        for (int k = 0; k < u; k++) {
          float r0 = hr[ro + k] + rb[k];
          float r1 = hr[ro + u + k] + rb[u + k];
          float r2 = hr[ro + 2 * u + k] + rb[2 * u + k];
          float z = Activations.sigmoid(proj[xo + k] + r0);
          float r = Activations.sigmoid(proj[xo + u + k] + r1);
          float cand = (float) Math.tanh(proj[xo + 2 * u + k] + r * r2);
          h[so + k] = z * h[so + k] + (1 - z) * cand;
        }
      }
    }
  }
}
