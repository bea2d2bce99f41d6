package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.kernel.Kernels;
import dev.topiary.sparse.matrix.Lanes;
import dev.topiary.sparse.matrix.RowTable;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * SimpleRNN, LSTM and GRU as Topiary's {@code Recurrent} computes them: one product for the input
 * projection of a chunk of steps ({@code batch * chunk} rows on the kernel's matrix), then per step the
 * recurrent product on its own matrix for a share of the batch and the gates (sigmoid and tanh through
 * the kernels, vectorized when the Vector API is present; LSTM's in one fused pass per example). Shares
 * of the batch run on the executor's threads. Masked steps keep the previous state.
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
    boolean[] mask = x.mask();
    float[] h = new float[batch * u];
    float[] c = new float[batch * u];
    float[] seq = returnSequences ? new float[batch * steps * u] : null;
    // Examples are independent: each thread runs the whole recurrence of its share of the batch, with no
    // hand-off per step (200 steps of 32 x 128 products are too small to split by output rows).
    // A single example keeps the executor: its larger products can still be split by output rows.
    if (batch == 1 || exec.threads() == 1) {
      share(exec, x, mask, h, c, seq, steps, 0, batch);
    } else {
      exec.forRows(batch, (long) steps * g * (u + 8), (from, to) -> {
        try (Exec solo = new Exec(exec.kernels(), 1)) {
          share(solo, x, mask, h, c, seq, steps, from, to);
        }
      });
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

  /**
   * Examples {@code from..to}: transposed (examples along the vector lanes) from three quarters of a vector
   * of examples on, else one example after the other. Transposed, a step's products and gates cost the same for 8 or
   * 16 examples (at 512 bits), and per example far less than the row-major path at 32: gates as whole
   * vectors of examples, and sparse recurrent kernels usable (each non-zero scales a vector of examples).
   */
  private void share(Exec exec, Value x, boolean @Nullable [] mask, float[] hAll, float[] cAll,
      float @Nullable [] seq, int steps, int from, int to) {
    // from three quarters of a vector of examples (12 at 512 bits): at 8, half the lanes idle, the
    // transposed IMDB LSTM took 0.85 ms, one example after the other ~0.5 ms
    if (4 * (to - from) >= Math.max(2, 3 * exec.kernels().lanes())) {
      recurTransposed(exec, x, mask, hAll, cAll, seq, steps, from, to);
    } else {
      recur(exec, x.data(), mask, hAll, cAll, seq, steps, from, to);
    }
  }

  /**
   * The recurrence with inputs, state and gates as {@code [row][bp]} (row: feature, unit or gate row; bp:
   * the share's examples padded to the vector length). Padding lanes compute on zero inputs and are never
   * read back. Each step: the step's inputs transposed ({@code features x examples} moves), the input and
   * recurrent products through {@link WeightMatrix#multiplyTransposed}, the cell's gates.
   */
  private void recurTransposed(Exec exec, Value x, boolean @Nullable [] mask, float[] hAll, float[] cAll,
      float @Nullable [] seq, int steps, int from, int to) {
    RowTable table = x.table();
    int[] ids = x.ids();
    float[] xAll = table == null ? x.data() : null;
    int n = to - from;
    int bp = exec.paddedBatch(n);
    int u = units;
    int features = kernel.inputs();
    float[] xT = new float[kernel.paddedInputs() * bp];
    float[] projT = new float[kernel.paddedOutputs() * bp];
    float[] hT = new float[recurrent.paddedInputs() * bp]; // rows past the units stay zero
    float[] hrT = new float[recurrent.paddedOutputs() * bp];
    float[] cT = new float[u * bp];
    float[] z = cell == Cell.LSTM ? null : new float[3 * u * bp];
    boolean[] update = mask == null ? null : new boolean[bp];
    Kernels k = exec.kernels();
    for (int s = 0; s < steps; s++) {
      int t = goBackwards ? steps - 1 - s : s;
      if (table != null) {
        // the step's tokens straight from the embedding table (a pruned table's rows: their non-zeros)
        java.util.Arrays.fill(xT, 0, features * bp, 0f);
        for (int b = 0; b < n; b++) {
          table.rowTransposed(ids[(from + b) * steps + t], xT, bp, b);
        }
      } else {
        Lanes.toLanes(xAll, (from * steps + t) * features, steps * features, features, n, xT, bp);
      }
      if (update != null) {
        for (int b = 0; b < n; b++) {
          update[b] = mask[(from + b) * steps + t];
        }
      }
      kernel.multiplyTransposed(exec, xT, bp, projT);
      recurrent.multiplyTransposed(exec, hT, bp, hrT);
      switch (cell) {
        case LSTM -> k.lstmCellT(projT, hrT, inputBias, cT, hT, u, bp, update);
        case SIMPLE -> {
          sumRows(z, projT, hrT, inputBias, null, u, bp);
          k.tanh(z, 0, u * bp);
          keep(z, 0, hT, u, bp, update);
        }
        case GRU -> {
          float[] rb = recurrentBias;
          // update and reset gates: sigmoid(x W + b_in + h U + b_rec), rows 0 .. 2u
          sumRows(z, projT, hrT, inputBias, rb, 2 * u, bp);
          k.sigmoid(z, 0, 2 * u * bp);
          // candidate: tanh(x W_c + b_in + r * (h U_c + b_rec)), rows 2u .. 3u
          for (int j = 0; j < u; j++) {
            float bi = inputBias[2 * u + j];
            float br = rb[2 * u + j];
            int r = (u + j) * bp;
            for (int c = (2 * u + j) * bp, end = c + bp; c < end; c++, r++) {
              z[c] = projT[c] + bi + z[r] * (hrT[c] + br);
            }
          }
          k.tanh(z, 2 * u * bp, u * bp);
          // h = z h + (1 - z) candidate, into the reset gate's rows (no longer needed)
          for (int c = 0; c < u * bp; c++) {
            float zg = z[c];
            z[u * bp + c] = zg * hT[c] + (1 - zg) * z[2 * u * bp + c];
          }
          keep(z, u * bp, hT, u, bp, update);
        }
      }
      if (seq != null) {
        Lanes.fromLanes(hT, bp, seq, (from * steps + s) * u, steps * u, u, n);
      }
    }
    Lanes.fromLanes(hT, bp, hAll, from * u, u, u, n);
    Lanes.fromLanes(cT, bp, cAll, from * u, u, u, n);
  }

  /** {@code z[r] = projT[r] + hrT[r] + bias[r] (+ bias2[r])} for rows {@code 0..rows} of {@code bp} lanes. */
  private static void sumRows(float[] z, float[] projT, float[] hrT, float[] bias, float @Nullable [] bias2,
      int rows, int bp) {
    for (int j = 0; j < rows; j++) {
      float bj = bias2 == null ? bias[j] : bias[j] + bias2[j];
      for (int c = j * bp, end = c + bp; c < end; c++) {
        z[c] = projT[c] + hrT[c] + bj;
      }
    }
  }

  /** {@code hT = next} in the lanes {@code update} allows (all when null); {@code next} from {@code off}. */
  private static void keep(float[] next, int off, float[] hT, int u, int bp, boolean @Nullable [] update) {
    if (update == null) {
      System.arraycopy(next, off, hT, 0, u * bp);
      return;
    }
    for (int j = 0; j < u; j++) {
      for (int b = 0; b < bp; b++) {
        if (update[b]) {
          hT[j * bp + b] = next[off + j * bp + b];
        }
      }
    }
  }

  /** Floats of input projection computed at once: chunks of steps whose projection stays in cache. */
  private static final int CHUNK_FLOATS = 32_768;

  /**
   * Examples {@code from..to}: their state in local contiguous arrays (the recurrent product reads them
   * from offset 0), every buffer allocated once per call, the results copied into {@code hAll / cAll}.
   * The input projection runs per chunk of steps (all of them at batch 1), not for the whole sequence at
   * once: at batch 32 that would be a 3 MB array written and read back from memory.
   */
  private void recur(Exec exec, float[] xAll, boolean @Nullable [] mask, float[] hAll, float[] cAll,
      float @Nullable [] seq, int steps, int from, int to) {
    int batch = to - from;
    int g = kernel.outputs();
    int u = units;
    int features = kernel.inputs();
    int chunk = Math.max(1, Math.min(steps, CHUNK_FLOATS / (batch * g)));
    float[] xc = new float[chunk * batch * features];
    float[] proj = new float[chunk * batch * g];
    float[] h = new float[batch * u];
    float[] c = new float[batch * u];
    float[] nh = new float[batch * u];
    float[] hr = new float[batch * g];
    float[] z = new float[batch * g];
    Kernels k = exec.kernels();
    for (int s = 0; s < steps; s++) {
      int t = goBackwards ? steps - 1 - s : s;
      int q = s % chunk;
      if (q == 0) {
        // rows [step of the chunk][example]
        int n = Math.min(chunk, steps - s);
        for (int p = 0; p < n; p++) {
          int tp = goBackwards ? steps - 1 - (s + p) : s + p;
          for (int b = 0; b < batch; b++) {
            System.arraycopy(xAll, ((from + b) * steps + tp) * features, xc, (p * batch + b) * features, features);
          }
        }
        kernel.multiply(exec, xc, n * batch, proj);
        for (int r = 0; r < n * batch; r++) {
          for (int j = 0; j < g; j++) {
            proj[r * g + j] += inputBias[j];
          }
        }
      }
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
            int xo = (q * batch + b) * g;
            for (int j = 0; j < u; j++) {
              nh[b * u + j] = proj[xo + j] + hr[b * g + j];
            }
          }
          k.tanh(nh, 0, batch * u);
        }
        case LSTM -> {
          // the state is updated in place, so a masked step (state kept) skips its example
          for (int b = 0; b < batch; b++) {
            if (mask == null || mask[(from + b) * steps + t]) {
              k.lstmCell(proj, (q * batch + b) * g, hr, b * g, c, h, b * u, u);
            }
          }
        }
        case GRU -> {
          for (int b = 0; b < batch; b++) {
            int xo = (q * batch + b) * g;
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
        if (cell != Cell.LSTM && (mask == null || mask[(from + b) * steps + t])) {
          System.arraycopy(nh, b * u, h, b * u, u);
        }
        if (seq != null) {
          System.arraycopy(h, b * u, seq, ((from + b) * steps + s) * u, u);
        }
      }
    }
    System.arraycopy(h, 0, hAll, from * u, batch * u);
    System.arraycopy(c, 0, cAll, from * u, batch * u);
  }
}
