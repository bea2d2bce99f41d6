package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.kernel.Kernels;
import java.util.Collections;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs every kernel of a kernel set until the JIT has compiled it, once per JVM. Calibration needs this:
 * before C2 compiles them, Vector API operations run as slow Java fallbacks (a gather then costs some
 * 10 ns a lane), and timing them would rank the formats by how early their code got hot.
 */
public final class Warmup {
  private static final Set<String> DONE = Collections.newSetFromMap(new ConcurrentHashMap<>());

  /** The formats whose kernels are Java code (TF_DENSE runs in TF: nothing to compile). */
  private static final java.util.List<Format> JAVA_FORMATS =
      java.util.Arrays.stream(Format.values()).filter(f -> f != Format.TF_DENSE).toList();

  private Warmup() {}

  /** A random {@code [in, out]} kernel with {@code zeros} of its weights zero in every Java format (2:4 on a 2:4 pattern). */
  private static java.util.List<WeightMatrix> everyFormat(SplittableRandom r, int in, int out, double zeros) {
    float[] unstructured = new float[in * out];
    float[] twoFour = new float[in * out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        float v = (float) r.nextDouble(-1, 1);
        unstructured[i * out + j] = r.nextDouble() < zeros ? 0f : v;
        twoFour[i * out + j] = (i % 4) == (j % 4) || (i % 4) == ((j + 2) % 4) ? v : 0f;
      }
    }
    java.util.List<WeightMatrix> matrices = new java.util.ArrayList<>();
    for (Format f : JAVA_FORMATS) {
      matrices.add(Matrices.build(f, f == Format.TWO_FOUR ? twoFour : unstructured, in, out, "warm-up"));
    }
    return matrices;
  }

  /** Warms up {@code exec}'s kernels if this JVM has not yet; about a second the first time. */
  public static void ensure(Exec exec) {
    Kernels k = exec.kernels();
    if (!DONE.add(k.name())) {
      return;
    }
    SplittableRandom r = new SplittableRandom(42);
    int in = 259;
    int out = 253;
    float[] x = new float[64 * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextDouble(-1, 1);
    }
    float[] y = new float[64 * out];
    java.util.List<WeightMatrix> matrices = everyFormat(r, in, out, 0.8);
    // Small, very sparse matrices as recurrences use them (one example; transposed shares, whose rows of
    // a few non-zeros take a CSR kernel of their own: code a larger matrix never reaches stays
    // uncompiled until calibration would time it)
    int sin = 32;
    int sout = 128;
    java.util.List<WeightMatrix> smalls = everyFormat(r, sin, sout, 0.9);
    int bp = exec.paddedBatch(32);
    float[] xs = new float[(sin + 3) * bp];
    for (int i = 0; i < sin * bp; i++) {
      xs[i] = (float) r.nextDouble(-1, 1);
    }
    float[] ys = new float[(sout + 3) * bp];
    int u = sout / 4;
    float[] bias = new float[sout];
    float[] cT = new float[u * bp];
    float[] hT = new float[u * bp];
    float[] gates = new float[sout * bp];
    float[] hr = new float[sout * bp];
    // More inputs than one CSR panel: the later panels' branches (adding to the outputs) are code the
    // matrices above never reach; left cold, the first wide matrix calibrated ran them C1-compiled and
    // lost to dense at 90 % zeros
    float[] wide = new float[(CsrMatrix.PANEL + 64) * 64];
    for (int i = 0; i < wide.length; i++) {
      wide[i] = r.nextDouble() < 0.9 ? 0f : (float) r.nextDouble(-1, 1);
    }
    WeightMatrix panels = Matrices.build(Format.CSR, wide, CsrMatrix.PANEL + 64, 64, "warm-up");
    float[] xw = new float[32 * (CsrMatrix.PANEL + 64)];
    float[] yw = new float[32 * 64];
    // a large dense matrix takes the transposed path (small ones multiply row-major)
    WeightMatrix dense = Matrices.build(Format.DENSE, new float[384 * 360], 384, 360, "warm-up");
    float[] xb = new float[32 * 384];
    float[] yb = new float[32 * 360];
    float[] g = new float[256];
    // Passes until a pass is no longer 10 % faster than the one before (the JIT has caught up), at most 8.
    long previous = Long.MAX_VALUE;
    for (int pass = 0; pass < 8; pass++) {
      long t0 = System.nanoTime();
      for (WeightMatrix m : matrices) {
        for (int it = 0; it < 100; it++) {
          m.multiply(exec, x, 1, y);
        }
        for (int it = 0; it < 10; it++) {
          m.multiply(exec, x, 32, y);
          m.multiply(exec, x, 8, y); // one vector of examples: kernels of their own
        }
      }
      for (int it = 0; it < 10; it++) {
        dense.multiply(exec, xb, 32, yb);
        dense.multiply(exec, xb, 8, yb);
      }
      for (int it = 0; it < 30; it++) {
        panels.multiply(exec, xw, 1, yw);
        panels.multiply(exec, xw, 32, yw);
      }
      for (WeightMatrix m : smalls) {
        for (int it = 0; it < 300; it++) {
          m.multiply(exec, xs, 1, ys);
          m.multiplyTransposed(exec, xs, bp, ys);
        }
      }
      for (int it = 0; it < 500; it++) {
        k.sigmoid(g, 0, 133);
        k.tanh(g, 0, 133);
      }
      for (int it = 0; it < 200; it++) {
        System.arraycopy(ys, 0, gates, 0, gates.length);
        k.lstmCellT(gates, hr, bias, cT, hT, u, bp, null);
        k.lstmCell(ys, 0, hr, 0, cT, hT, 0, u);
      }
      long t = System.nanoTime() - t0;
      if (pass >= 2 && t > previous * 0.9) {
        break;
      }
      previous = Math.min(previous, t);
    }
  }
}
