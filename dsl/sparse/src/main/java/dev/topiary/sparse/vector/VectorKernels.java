package dev.topiary.sparse.vector;

import dev.topiary.sparse.kernel.Kernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jspecify.annotations.Nullable;

/**
 * Vector API kernels. Only {@link dev.topiary.sparse.kernel.KernelPath} loads this class, and only when
 * {@code jdk.incubator.vector} is in the boot layer. One species for the whole JVM,
 * {@link FloatVector#SPECIES_PREFERRED}: mixing vector widths in one process made the wider kernels about
 * 10x slower (see the TF Java facts notes). Single-example sparse kernels gather {@code x} through the
 * column indices; batched ones broadcast a weight over a run of examples.
 *
 * <p>Why the tiles are written out (8 rows x 1 or 2 vectors of accumulators, each a local of its own)
 * rather than as loops over arrays of accumulators: C2 keeps locals in vector registers but does not
 * scalar-replace a {@code FloatVector[]}, so every accumulator goes through the heap. The same
 * {@code denseT} tiles written once with {@code FloatVector[8]}/{@code [16]} ran 24-27x slower at
 * 256 bits (batch 8: 2,800 vs 102 us; batch 32: 13,460 vs 554 us, 512 x 512) and 21-23x at 128 bits
 * ({@code tests/benchmarks} KernelFoldingBenchmark, 2026-12-07, AMD EPYC AVX2, 2 cores under load 3-5).
 * The repetition is the price of register tiling; the scalar kernels, which have no such tiles, are
 * written once.
 */
public final class VectorKernels implements Kernels {
  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();

  public VectorKernels() {}

  @Override
  public int lanes() {
    return L;
  }

  @Override
  public String name() {
    return "vector-" + S.vectorBitSize();
  }

  @Override
  public void dense(float[] w, int cols, float[] x, float[] y, int from, int to) {
    int bound = S.loopBound(cols);
    for (int j = from; j < to; j++) {
      int base = j * cols;
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      int i = 0;
      for (; i + L < bound; i += 2 * L) {
        a0 = FloatVector.fromArray(S, w, base + i).fma(FloatVector.fromArray(S, x, i), a0);
        a1 = FloatVector.fromArray(S, w, base + i + L).fma(FloatVector.fromArray(S, x, i + L), a1);
      }
      for (; i < bound; i += L) {
        a0 = FloatVector.fromArray(S, w, base + i).fma(FloatVector.fromArray(S, x, i), a0);
      }
      float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
      for (; i < cols; i++) {
        s += w[base + i] * x[i];
      }
      y[j] = s;
    }
  }

  @Override
  public void denseT(float[] w, int cols, float[] xT, int bp, float[] yT, int from, int to) {
    // One method per tile shape, so that the JIT profiles and compiles each on its own: in one method, the
    // MLP at batch 8 (after calibration at 1 and 32) ran ~15 % slower
    int j = from;
    if (bp == L) {
      j = denseTOne(w, cols, xT, bp, yT, from, to);
    } else if (bp % (2 * L) == 0) {
      j = denseTPairs(w, cols, xT, bp, yT, from, to);
    }
    denseTRest(w, cols, xT, bp, yT, j, to);
  }

  /** Rows {@code from..} in 8-row tiles on one vector of examples; returns the first row not done. */
  private static int denseTOne(float[] w, int cols, float[] xT, int bp, float[] yT, int from, int to) {
    int j = from;
    // one vector of examples (batches up to 16 at 512 bits): 8 rows per pass, eight FMA chains (the 4-row
    // tile of denseTRest has four, which the FMA latency holds to half the FMA throughput)
    for (; j + 8 <= to; j += 8) {
      FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
      FloatVector a4 = FloatVector.zero(S), a5 = FloatVector.zero(S), a6 = FloatVector.zero(S), a7 = FloatVector.zero(S);
      int b0 = j * cols;
      for (int i = 0; i < cols; i++) {
        FloatVector x0 = FloatVector.fromArray(S, xT, i * bp);
        a0 = FloatVector.broadcast(S, w[b0 + i]).fma(x0, a0);
        a1 = FloatVector.broadcast(S, w[b0 + cols + i]).fma(x0, a1);
        a2 = FloatVector.broadcast(S, w[b0 + 2 * cols + i]).fma(x0, a2);
        a3 = FloatVector.broadcast(S, w[b0 + 3 * cols + i]).fma(x0, a3);
        a4 = FloatVector.broadcast(S, w[b0 + 4 * cols + i]).fma(x0, a4);
        a5 = FloatVector.broadcast(S, w[b0 + 5 * cols + i]).fma(x0, a5);
        a6 = FloatVector.broadcast(S, w[b0 + 6 * cols + i]).fma(x0, a6);
        a7 = FloatVector.broadcast(S, w[b0 + 7 * cols + i]).fma(x0, a7);
      }
      int o = j * bp;
      a0.intoArray(yT, o);
      a1.intoArray(yT, o + bp);
      a2.intoArray(yT, o + 2 * bp);
      a3.intoArray(yT, o + 3 * bp);
      a4.intoArray(yT, o + 4 * bp);
      a5.intoArray(yT, o + 5 * bp);
      a6.intoArray(yT, o + 6 * bp);
      a7.intoArray(yT, o + 7 * bp);
    }
    return j;
  }

  /** Rows {@code from..} in 8-row tiles on pairs of example vectors; returns the first row not done. */
  private static int denseTPairs(float[] w, int cols, float[] xT, int bp, float[] yT, int from, int to) {
    int j = from;
    int end8 = from + (to - from) / 8 * 8;
    for (int c = 0; c < bp; c += 2 * L) {
      for (j = from; j < end8; j += 8) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        FloatVector a40 = FloatVector.zero(S), a41 = FloatVector.zero(S);
        FloatVector a50 = FloatVector.zero(S), a51 = FloatVector.zero(S);
        FloatVector a60 = FloatVector.zero(S), a61 = FloatVector.zero(S);
        FloatVector a70 = FloatVector.zero(S), a71 = FloatVector.zero(S);
        int b0 = j * cols;
        for (int i = 0; i < cols; i++) {
          FloatVector x0 = FloatVector.fromArray(S, xT, i * bp + c);
          FloatVector x1 = FloatVector.fromArray(S, xT, i * bp + c + L);
          FloatVector v = FloatVector.broadcast(S, w[b0 + i]);
          a00 = v.fma(x0, a00);
          a01 = v.fma(x1, a01);
          v = FloatVector.broadcast(S, w[b0 + cols + i]);
          a10 = v.fma(x0, a10);
          a11 = v.fma(x1, a11);
          v = FloatVector.broadcast(S, w[b0 + 2 * cols + i]);
          a20 = v.fma(x0, a20);
          a21 = v.fma(x1, a21);
          v = FloatVector.broadcast(S, w[b0 + 3 * cols + i]);
          a30 = v.fma(x0, a30);
          a31 = v.fma(x1, a31);
          v = FloatVector.broadcast(S, w[b0 + 4 * cols + i]);
          a40 = v.fma(x0, a40);
          a41 = v.fma(x1, a41);
          v = FloatVector.broadcast(S, w[b0 + 5 * cols + i]);
          a50 = v.fma(x0, a50);
          a51 = v.fma(x1, a51);
          v = FloatVector.broadcast(S, w[b0 + 6 * cols + i]);
          a60 = v.fma(x0, a60);
          a61 = v.fma(x1, a61);
          v = FloatVector.broadcast(S, w[b0 + 7 * cols + i]);
          a70 = v.fma(x0, a70);
          a71 = v.fma(x1, a71);
        }
        int o = j * bp + c;
        a00.intoArray(yT, o);
        a01.intoArray(yT, o + L);
        a10.intoArray(yT, o + bp);
        a11.intoArray(yT, o + bp + L);
        a20.intoArray(yT, o + 2 * bp);
        a21.intoArray(yT, o + 2 * bp + L);
        a30.intoArray(yT, o + 3 * bp);
        a31.intoArray(yT, o + 3 * bp + L);
        a40.intoArray(yT, o + 4 * bp);
        a41.intoArray(yT, o + 4 * bp + L);
        a50.intoArray(yT, o + 5 * bp);
        a51.intoArray(yT, o + 5 * bp + L);
        a60.intoArray(yT, o + 6 * bp);
        a61.intoArray(yT, o + 6 * bp + L);
        a70.intoArray(yT, o + 7 * bp);
        a71.intoArray(yT, o + 7 * bp + L);
      }
    }
    j = end8;
    return j;
  }

  /** Rows {@code from..to} in 4-row tiles, then one by one, on any batch. */
  private static void denseTRest(float[] w, int cols, float[] xT, int bp, float[] yT, int from, int to) {
    int j = from;
    // 4 rows x 2 vectors of examples per pass: each load of examples feeds 4 rows (8 accumulators)
    for (; j + 4 <= to; j += 4) {
      int c = 0;
      for (; c + 2 * L <= bp; c += 2 * L) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        int b0 = j * cols;
        for (int i = 0; i < cols; i++) {
          FloatVector x0 = FloatVector.fromArray(S, xT, i * bp + c);
          FloatVector x1 = FloatVector.fromArray(S, xT, i * bp + c + L);
          FloatVector v0 = FloatVector.broadcast(S, w[b0 + i]);
          FloatVector v1 = FloatVector.broadcast(S, w[b0 + cols + i]);
          FloatVector v2 = FloatVector.broadcast(S, w[b0 + 2 * cols + i]);
          FloatVector v3 = FloatVector.broadcast(S, w[b0 + 3 * cols + i]);
          a00 = v0.fma(x0, a00);
          a01 = v0.fma(x1, a01);
          a10 = v1.fma(x0, a10);
          a11 = v1.fma(x1, a11);
          a20 = v2.fma(x0, a20);
          a21 = v2.fma(x1, a21);
          a30 = v3.fma(x0, a30);
          a31 = v3.fma(x1, a31);
        }
        int o = j * bp + c;
        a00.intoArray(yT, o);
        a01.intoArray(yT, o + L);
        a10.intoArray(yT, o + bp);
        a11.intoArray(yT, o + bp + L);
        a20.intoArray(yT, o + 2 * bp);
        a21.intoArray(yT, o + 2 * bp + L);
        a30.intoArray(yT, o + 3 * bp);
        a31.intoArray(yT, o + 3 * bp + L);
      }
      for (; c < bp; c += L) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        int b0 = j * cols;
        for (int i = 0; i < cols; i++) {
          FloatVector x0 = FloatVector.fromArray(S, xT, i * bp + c);
          a0 = FloatVector.broadcast(S, w[b0 + i]).fma(x0, a0);
          a1 = FloatVector.broadcast(S, w[b0 + cols + i]).fma(x0, a1);
          a2 = FloatVector.broadcast(S, w[b0 + 2 * cols + i]).fma(x0, a2);
          a3 = FloatVector.broadcast(S, w[b0 + 3 * cols + i]).fma(x0, a3);
        }
        int o = j * bp + c;
        a0.intoArray(yT, o);
        a1.intoArray(yT, o + bp);
        a2.intoArray(yT, o + 2 * bp);
        a3.intoArray(yT, o + 3 * bp);
      }
    }
    for (; j < to; j++) {
      int base = j * cols;
      for (int c = 0; c < bp; c += L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        int i = 0;
        for (; i + 1 < cols; i += 2) {
          a0 = FloatVector.broadcast(S, w[base + i]).fma(FloatVector.fromArray(S, xT, i * bp + c), a0);
          a1 = FloatVector.broadcast(S, w[base + i + 1]).fma(FloatVector.fromArray(S, xT, (i + 1) * bp + c), a1);
        }
        for (; i < cols; i++) {
          a0 = FloatVector.broadcast(S, w[base + i]).fma(FloatVector.fromArray(S, xT, i * bp + c), a0);
        }
        a0.add(a1).intoArray(yT, j * bp + c);
      }
    }
  }

  @Override
  public void denseRows(float[] w, int cols, int rows, float[] x, float[] y, int from, int to) {
    int b = from;
    // 2 examples x 4 vectors of outputs per pass: each weight load feeds 2 examples (8 accumulators)
    for (; b + 2 <= to; b += 2) {
      int x0 = b * cols;
      int x1 = x0 + cols;
      int c = 0;
      for (; c + 4 * L <= rows; c += 4 * L) {
        FloatVector p0 = FloatVector.zero(S), p1 = FloatVector.zero(S), p2 = FloatVector.zero(S), p3 = FloatVector.zero(S);
        FloatVector q0 = FloatVector.zero(S), q1 = FloatVector.zero(S), q2 = FloatVector.zero(S), q3 = FloatVector.zero(S);
        for (int i = 0; i < cols; i++) {
          int wo = i * rows + c;
          FloatVector w0 = FloatVector.fromArray(S, w, wo);
          FloatVector w1 = FloatVector.fromArray(S, w, wo + L);
          FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
          FloatVector w3 = FloatVector.fromArray(S, w, wo + 3 * L);
          FloatVector a = FloatVector.broadcast(S, x[x0 + i]);
          FloatVector e = FloatVector.broadcast(S, x[x1 + i]);
          p0 = w0.fma(a, p0);
          p1 = w1.fma(a, p1);
          p2 = w2.fma(a, p2);
          p3 = w3.fma(a, p3);
          q0 = w0.fma(e, q0);
          q1 = w1.fma(e, q1);
          q2 = w2.fma(e, q2);
          q3 = w3.fma(e, q3);
        }
        int y0 = b * rows + c;
        int y1 = y0 + rows;
        p0.intoArray(y, y0);
        p1.intoArray(y, y0 + L);
        p2.intoArray(y, y0 + 2 * L);
        p3.intoArray(y, y0 + 3 * L);
        q0.intoArray(y, y1);
        q1.intoArray(y, y1 + L);
        q2.intoArray(y, y1 + 2 * L);
        q3.intoArray(y, y1 + 3 * L);
      }
    }
    int pairsEnd = b;
    for (; b < to; b++) {
      denseRowsTail(w, cols, rows, x, y, b, 0);
    }
    int c4 = rows - rows % (4 * L);
    if (c4 < rows) {
      denseRowsRest(w, cols, rows, x, y, from, pairsEnd, c4);
    }
  }

  /**
   * Outputs {@code c0..rows} (fewer than 4 vectors) of examples {@code from..to}, four examples per
   * weight load: MobileNet's 1x1 convolutions with 16 or 24 outputs are nothing but this rest, and one
   * example at a time ran one or three FMA chains bound by the FMA latency (56 x 56 pixels, 144 -> 24:
   * 2.5 ms, 4 GMAC/s).
   */
  private static void denseRowsRest(float[] w, int cols, int rows, float[] x, float[] y, int from, int to, int c0) {
    int b = from;
    for (; b + 4 <= to; b += 4) {
      int x0 = b * cols;
      int c = c0;
      for (; c + L <= rows; c += L) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int i = 0; i < cols; i++) {
          FloatVector wv = FloatVector.fromArray(S, w, i * rows + c);
          a0 = wv.fma(FloatVector.broadcast(S, x[x0 + i]), a0);
          a1 = wv.fma(FloatVector.broadcast(S, x[x0 + cols + i]), a1);
          a2 = wv.fma(FloatVector.broadcast(S, x[x0 + 2 * cols + i]), a2);
          a3 = wv.fma(FloatVector.broadcast(S, x[x0 + 3 * cols + i]), a3);
        }
        int yo = b * rows + c;
        a0.intoArray(y, yo);
        a1.intoArray(y, yo + rows);
        a2.intoArray(y, yo + 2 * rows);
        a3.intoArray(y, yo + 3 * rows);
      }
      for (int e = 0; e < 4; e++) {
        for (int cc = c; cc < rows; cc++) {
          float s = 0;
          for (int i = 0; i < cols; i++) {
            s += w[i * rows + cc] * x[x0 + e * cols + i];
          }
          y[(b + e) * rows + cc] = s;
        }
      }
    }
    for (; b < to; b++) {
      denseRowsTail(w, cols, rows, x, y, b, c0);
    }
  }

  @Override
  public void denseRowsSparseInput(float[] w, int cols, int rows, float[] x, float[] y, int from, int to) {
    int[] nz = new int[cols];
    for (int b = from; b < to; b++) {
      int x0 = b * cols;
      int n = 0;
      for (int i = 0; i < cols; i++) {
        nz[n] = i; // branch-free: which inputs are zero is unpredictable
        n += x[x0 + i] != 0 ? 1 : 0;
      }
      int c = 0;
      for (; c + 4 * L <= rows; c += 4 * L) {
        FloatVector p0 = FloatVector.zero(S), p1 = FloatVector.zero(S), p2 = FloatVector.zero(S), p3 = FloatVector.zero(S);
        for (int k = 0; k < n; k++) {
          int i = nz[k];
          int wo = i * rows + c;
          FloatVector a = FloatVector.broadcast(S, x[x0 + i]);
          p0 = FloatVector.fromArray(S, w, wo).fma(a, p0);
          p1 = FloatVector.fromArray(S, w, wo + L).fma(a, p1);
          p2 = FloatVector.fromArray(S, w, wo + 2 * L).fma(a, p2);
          p3 = FloatVector.fromArray(S, w, wo + 3 * L).fma(a, p3);
        }
        int yo = b * rows + c;
        p0.intoArray(y, yo);
        p1.intoArray(y, yo + L);
        p2.intoArray(y, yo + 2 * L);
        p3.intoArray(y, yo + 3 * L);
      }
      for (; c + L <= rows; c += L) {
        FloatVector acc = FloatVector.zero(S);
        for (int k = 0; k < n; k++) {
          int i = nz[k];
          acc = FloatVector.fromArray(S, w, i * rows + c).fma(FloatVector.broadcast(S, x[x0 + i]), acc);
        }
        acc.intoArray(y, b * rows + c);
      }
      for (; c < rows; c++) {
        float s = 0;
        for (int k = 0; k < n; k++) {
          s += w[nz[k] * rows + c] * x[x0 + nz[k]];
        }
        y[b * rows + c] = s;
      }
    }
  }

  /** Outputs {@code c..rows} of example {@code b}: a vector at a time, then scalar. */
  private static void denseRowsTail(float[] w, int cols, int rows, float[] x, float[] y, int b, int c) {
    int x0 = b * cols;
    // 4 vectors of outputs per pass: four independent FMA chains (one chain is bound by the FMA latency)
    for (; c + 4 * L <= rows; c += 4 * L) {
      FloatVector p0 = FloatVector.zero(S), p1 = FloatVector.zero(S), p2 = FloatVector.zero(S), p3 = FloatVector.zero(S);
      for (int i = 0; i < cols; i++) {
        int wo = i * rows + c;
        FloatVector a = FloatVector.broadcast(S, x[x0 + i]);
        p0 = FloatVector.fromArray(S, w, wo).fma(a, p0);
        p1 = FloatVector.fromArray(S, w, wo + L).fma(a, p1);
        p2 = FloatVector.fromArray(S, w, wo + 2 * L).fma(a, p2);
        p3 = FloatVector.fromArray(S, w, wo + 3 * L).fma(a, p3);
      }
      int yo = b * rows + c;
      p0.intoArray(y, yo);
      p1.intoArray(y, yo + L);
      p2.intoArray(y, yo + 2 * L);
      p3.intoArray(y, yo + 3 * L);
    }
    for (; c + L <= rows; c += L) {
      FloatVector acc = FloatVector.zero(S);
      for (int i = 0; i < cols; i++) {
        acc = FloatVector.fromArray(S, w, i * rows + c).fma(FloatVector.broadcast(S, x[x0 + i]), acc);
      }
      acc.intoArray(y, b * rows + c);
    }
    for (; c < rows; c++) {
      float s = 0;
      for (int i = 0; i < cols; i++) {
        s += w[i * rows + c] * x[x0 + i];
      }
      y[b * rows + c] = s;
    }
  }

  @Override
  public void csr(int[] ptr, int[] idx, float[] val, int[] order, float[] x, float[] y, int from, int to) {
    int rows = order.length;
    int panels = (ptr.length - 1) / rows;
    for (int p = 0; p < panels; p++) {
      int base = p * rows;
      for (int r = from; r < to; r++) {
        int j = order[r];
        int k = ptr[base + r];
        int end = ptr[base + r + 1];
        FloatVector acc = FloatVector.zero(S);
        FloatVector acc2 = FloatVector.zero(S);
        for (; k + 2 * L <= end; k += 2 * L) {
          acc = FloatVector.fromArray(S, val, k).fma(FloatVector.fromArray(S, x, 0, idx, k), acc);
          acc2 = FloatVector.fromArray(S, val, k + L).fma(FloatVector.fromArray(S, x, 0, idx, k + L), acc2);
        }
        for (; k + L <= end; k += L) {
          acc = FloatVector.fromArray(S, val, k).fma(FloatVector.fromArray(S, x, 0, idx, k), acc);
        }
        float s = acc.add(acc2).reduceLanes(VectorOperators.ADD);
        for (; k < end; k++) {
          s += val[k] * x[idx[k]];
        }
        y[j] = p == 0 ? s : y[j] + s;
      }
    }
  }

  @Override
  public void csrT(int[] ptr, int[] idx, float[] val, int[] order, float[] xT, int bp, float[] yT, int from, int to) {
    int segments = ptr.length - 1;
    if (bp == 2 * L && ptr[segments] - ptr[0] < 8L * segments) {
      csrTShort(ptr, idx, val, order, xT, bp, yT, from, to);
    } else {
      csrTLong(ptr, idx, val, order, xT, bp, yT, from, to);
    }
  }

  /**
   * {@link #csrT} for short rows (small or very sparse matrices: ~3 non-zeros per row of a 32 x 128
   * recurrent kernel at 90 %), batches of exactly 2 vectors: one plain loop per row, two accumulators; the
   * unrolled set-up of {@link #csrTLong} costs more than such a row. A method of its own, so that the JIT
   * profiles (and compiles) each loop nest for its own row lengths: sharing one method with the long rows
   * of a 4096 x 4096 layer made that layer ~30 % slower.
   */
  private static void csrTShort(int[] ptr, int[] idx, float[] val, int[] order, float[] xT, int bp, float[] yT,
      int from, int to) {
    int rows = order.length;
    int panels = (ptr.length - 1) / rows;
    for (int p = 0; p < panels; p++) {
      int base = p * rows;
      boolean first = p == 0;
      for (int r = from; r < to; r++) {
        int start = ptr[base + r];
        int end = ptr[base + r + 1];
        int out = order[r] * bp;
        // rows come ordered by length: with the next row as long, both in one loop (four FMA chains)
        if (r + 1 < to && ptr[base + r + 2] - end == end - start) {
          int out2 = order[r + 1] * bp;
          FloatVector a0 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out);
          FloatVector a1 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out + L);
          FloatVector b0 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out2);
          FloatVector b1 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out2 + L);
          for (int k = start, q = end; k < end; k++, q++) {
            FloatVector v = FloatVector.broadcast(S, val[k]);
            FloatVector w = FloatVector.broadcast(S, val[q]);
            int xo = idx[k] * bp;
            int xq = idx[q] * bp;
            a0 = v.fma(FloatVector.fromArray(S, xT, xo), a0);
            a1 = v.fma(FloatVector.fromArray(S, xT, xo + L), a1);
            b0 = w.fma(FloatVector.fromArray(S, xT, xq), b0);
            b1 = w.fma(FloatVector.fromArray(S, xT, xq + L), b1);
          }
          a0.intoArray(yT, out);
          a1.intoArray(yT, out + L);
          b0.intoArray(yT, out2);
          b1.intoArray(yT, out2 + L);
          r++;
          continue;
        }
        FloatVector a0 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out);
        FloatVector a1 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out + L);
        for (int k = start; k < end; k++) {
          FloatVector v = FloatVector.broadcast(S, val[k]);
          int xo = idx[k] * bp;
          a0 = v.fma(FloatVector.fromArray(S, xT, xo), a0);
          a1 = v.fma(FloatVector.fromArray(S, xT, xo + L), a1);
        }
        a0.intoArray(yT, out);
        a1.intoArray(yT, out + L);
      }
    }
  }

  /** {@link #csrT} for rows of many non-zeros: four per iteration. */
  private static void csrTLong(int[] ptr, int[] idx, float[] val, int[] order, float[] xT, int bp, float[] yT,
      int from, int to) {
    int rows = order.length;
    int panels = (ptr.length - 1) / rows;
    for (int p = 0; p < panels; p++) {
      int base = p * rows;
      // the first panel writes the output rows, the others add to them
      boolean first = p == 0;
      for (int r = from; r < to; r++) {
        int start = ptr[base + r];
        int end = ptr[base + r + 1];
        int out = order[r] * bp;
        int c = 0;
        for (; c + 2 * L <= bp; c += 2 * L) {
          // four non-zeros per iteration into separate accumulators: eight independent FMA chains, enough
          // to cover the FMA latency (4 cycles) at two FMAs per cycle
          FloatVector a0 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out + c);
          FloatVector a1 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out + c + L);
          FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
          FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S);
          FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
          int k = start;
          for (; k + 3 < end; k += 4) {
            FloatVector v = FloatVector.broadcast(S, val[k]);
            FloatVector u = FloatVector.broadcast(S, val[k + 1]);
            FloatVector w = FloatVector.broadcast(S, val[k + 2]);
            FloatVector z = FloatVector.broadcast(S, val[k + 3]);
            int xo = idx[k] * bp + c;
            int xp = idx[k + 1] * bp + c;
            int xq = idx[k + 2] * bp + c;
            int xr = idx[k + 3] * bp + c;
            a0 = v.fma(FloatVector.fromArray(S, xT, xo), a0);
            a1 = v.fma(FloatVector.fromArray(S, xT, xo + L), a1);
            b0 = u.fma(FloatVector.fromArray(S, xT, xp), b0);
            b1 = u.fma(FloatVector.fromArray(S, xT, xp + L), b1);
            d0 = w.fma(FloatVector.fromArray(S, xT, xq), d0);
            d1 = w.fma(FloatVector.fromArray(S, xT, xq + L), d1);
            e0 = z.fma(FloatVector.fromArray(S, xT, xr), e0);
            e1 = z.fma(FloatVector.fromArray(S, xT, xr + L), e1);
          }
          a0 = a0.add(d0);
          a1 = a1.add(d1);
          b0 = b0.add(e0);
          b1 = b1.add(e1);
          for (; k + 1 < end; k += 2) {
            FloatVector v = FloatVector.broadcast(S, val[k]);
            FloatVector u = FloatVector.broadcast(S, val[k + 1]);
            int xo = idx[k] * bp + c;
            int xp = idx[k + 1] * bp + c;
            a0 = v.fma(FloatVector.fromArray(S, xT, xo), a0);
            a1 = v.fma(FloatVector.fromArray(S, xT, xo + L), a1);
            b0 = u.fma(FloatVector.fromArray(S, xT, xp), b0);
            b1 = u.fma(FloatVector.fromArray(S, xT, xp + L), b1);
          }
          if (k < end) {
            FloatVector v = FloatVector.broadcast(S, val[k]);
            int xo = idx[k] * bp + c;
            a0 = v.fma(FloatVector.fromArray(S, xT, xo), a0);
            a1 = v.fma(FloatVector.fromArray(S, xT, xo + L), a1);
          }
          a0.add(b0).intoArray(yT, out + c);
          a1.add(b1).intoArray(yT, out + c + L);
        }
        for (; c < bp; c += L) {
          FloatVector a0 = first ? FloatVector.zero(S) : FloatVector.fromArray(S, yT, out + c);
          FloatVector b0 = FloatVector.zero(S);
          int k = start;
          for (; k + 1 < end; k += 2) {
            a0 = FloatVector.broadcast(S, val[k]).fma(FloatVector.fromArray(S, xT, idx[k] * bp + c), a0);
            b0 = FloatVector.broadcast(S, val[k + 1]).fma(FloatVector.fromArray(S, xT, idx[k + 1] * bp + c), b0);
          }
          if (k < end) {
            a0 = FloatVector.broadcast(S, val[k]).fma(FloatVector.fromArray(S, xT, idx[k] * bp + c), a0);
          }
          a0.add(b0).intoArray(yT, out + c);
        }
      }
    }
  }

  @Override
  public void csr8(int[] ptr, int[] idx, byte[] q, float[] scale, float[] x, float[] y, int from, int to) {
    // int8 values widen one by one: a byte vector has another width than the float species, and widths
    // must not mix (see the class comment). The batched form is where int8 pays off.
    for (int j = from; j < to; j++) {
      float s = 0;
      for (int k = ptr[j], end = ptr[j + 1]; k < end; k++) {
        s += q[k] * x[idx[k]];
      }
      y[j] = s * scale[j];
    }
  }

  @Override
  public void csr8T(int[] ptr, int[] idx, byte[] q, float[] scale, float[] xT, int bp, float[] yT, int from, int to) {
    for (int j = from; j < to; j++) {
      int start = ptr[j];
      int end = ptr[j + 1];
      int out = j * bp;
      float sc = scale[j];
      for (int c = 0; c < bp; c += L) {
        FloatVector a0 = FloatVector.zero(S);
        for (int k = start; k < end; k++) {
          a0 = FloatVector.broadcast(S, (float) q[k]).fma(FloatVector.fromArray(S, xT, idx[k] * bp + c), a0);
        }
        a0.mul(sc).intoArray(yT, out + c);
      }
    }
  }

  @Override
  public void rowBlocks(int[] ptr, int[] idx, float[] val, float[] x, float[] y, int from, int to) {
    for (int g = from; g < to; g++) {
      int start = ptr[g];
      int n = ptr[g + 1] - start;
      int base = 4 * start;
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      int k = 0;
      for (; k + L <= n; k += L) {
        // one gather of x feeds the four rows of the group
        FloatVector xv = FloatVector.fromArray(S, x, 0, idx, start + k);
        a0 = FloatVector.fromArray(S, val, base + k).fma(xv, a0);
        a1 = FloatVector.fromArray(S, val, base + n + k).fma(xv, a1);
        a2 = FloatVector.fromArray(S, val, base + 2 * n + k).fma(xv, a2);
        a3 = FloatVector.fromArray(S, val, base + 3 * n + k).fma(xv, a3);
      }
      float s0 = a0.reduceLanes(VectorOperators.ADD);
      float s1 = a1.reduceLanes(VectorOperators.ADD);
      float s2 = a2.reduceLanes(VectorOperators.ADD);
      float s3 = a3.reduceLanes(VectorOperators.ADD);
      for (; k < n; k++) {
        float xv = x[idx[start + k]];
        s0 += val[base + k] * xv;
        s1 += val[base + n + k] * xv;
        s2 += val[base + 2 * n + k] * xv;
        s3 += val[base + 3 * n + k] * xv;
      }
      y[4 * g] = s0;
      y[4 * g + 1] = s1;
      y[4 * g + 2] = s2;
      y[4 * g + 3] = s3;
    }
  }

  @Override
  public void rowBlocksT(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT, int from, int to) {
    if (bp % (2 * L) == 0) {
      rowBlocksTPairs(ptr, idx, val, xT, bp, yT, from, to);
      return;
    }
    for (int g = from; g < to; g++) {
      int start = ptr[g];
      int n = ptr[g + 1] - start;
      int base = 4 * start;
      for (int c = 0; c < bp; c += L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S);
        for (int k = 0; k < n; k++) {
          // one load of the examples feeds the four rows of the group
          FloatVector xv = FloatVector.fromArray(S, xT, idx[start + k] * bp + c);
          a0 = FloatVector.broadcast(S, val[base + k]).fma(xv, a0);
          a1 = FloatVector.broadcast(S, val[base + n + k]).fma(xv, a1);
          a2 = FloatVector.broadcast(S, val[base + 2 * n + k]).fma(xv, a2);
          a3 = FloatVector.broadcast(S, val[base + 3 * n + k]).fma(xv, a3);
        }
        int out = 4 * g * bp + c;
        a0.intoArray(yT, out);
        a1.intoArray(yT, out + bp);
        a2.intoArray(yT, out + 2 * bp);
        a3.intoArray(yT, out + 3 * bp);
      }
    }
  }

  /**
   * {@link #rowBlocksT} on pairs of example vectors: 4 rows x 2 vectors = eight FMA chains per block and
   * one pass over the blocks per pair (one vector at a time had four chains, held to half the FMA
   * throughput by its latency, and read every block once per vector). A method of its own: its own JIT
   * profile.
   */
  private static void rowBlocksTPairs(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT,
      int from, int to) {
    for (int g = from; g < to; g++) {
      int start = ptr[g];
      int n = ptr[g + 1] - start;
      int base = 4 * start;
      for (int c = 0; c < bp; c += 2 * L) {
        FloatVector a0 = FloatVector.zero(S), b0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S), b2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        for (int k = 0; k < n; k++) {
          int xo = idx[start + k] * bp + c;
          FloatVector x0 = FloatVector.fromArray(S, xT, xo);
          FloatVector x1 = FloatVector.fromArray(S, xT, xo + L);
          FloatVector v = FloatVector.broadcast(S, val[base + k]);
          a0 = v.fma(x0, a0);
          b0 = v.fma(x1, b0);
          v = FloatVector.broadcast(S, val[base + n + k]);
          a1 = v.fma(x0, a1);
          b1 = v.fma(x1, b1);
          v = FloatVector.broadcast(S, val[base + 2 * n + k]);
          a2 = v.fma(x0, a2);
          b2 = v.fma(x1, b2);
          v = FloatVector.broadcast(S, val[base + 3 * n + k]);
          a3 = v.fma(x0, a3);
          b3 = v.fma(x1, b3);
        }
        int out = 4 * g * bp + c;
        a0.intoArray(yT, out);
        b0.intoArray(yT, out + L);
        a1.intoArray(yT, out + bp);
        b1.intoArray(yT, out + bp + L);
        a2.intoArray(yT, out + 2 * bp);
        b2.intoArray(yT, out + 2 * bp + L);
        a3.intoArray(yT, out + 3 * bp);
        b3.intoArray(yT, out + 3 * bp + L);
      }
    }
  }

  @Override
  public void colBlocks(int[] ptr, int[] idx, float[] val, float[] x, float[] y, int from, int to) {
    for (int j = from; j < to; j++) {
      int start = ptr[j];
      int n = ptr[j + 1] - start;
      int base = 4 * start;
      FloatVector acc = FloatVector.zero(S);
      int k = 0;
      for (; k + L <= n; k += L) {
        acc = FloatVector.fromArray(S, val, base + k).fma(FloatVector.fromArray(S, x, 0, idx, start + k), acc);
        acc = FloatVector.fromArray(S, val, base + n + k).fma(FloatVector.fromArray(S, x, 1, idx, start + k), acc);
        acc = FloatVector.fromArray(S, val, base + 2 * n + k).fma(FloatVector.fromArray(S, x, 2, idx, start + k), acc);
        acc = FloatVector.fromArray(S, val, base + 3 * n + k).fma(FloatVector.fromArray(S, x, 3, idx, start + k), acc);
      }
      float s = acc.reduceLanes(VectorOperators.ADD);
      for (; k < n; k++) {
        int c = idx[start + k];
        s += val[base + k] * x[c] + val[base + n + k] * x[c + 1] + val[base + 2 * n + k] * x[c + 2]
            + val[base + 3 * n + k] * x[c + 3];
      }
      y[j] = s;
    }
  }

  @Override
  public void colBlocksT(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT, int from, int to) {
    if (bp % (2 * L) == 0) {
      colBlocksTPairs(ptr, idx, val, xT, bp, yT, from, to);
      return;
    }
    for (int j = from; j < to; j++) {
      int start = ptr[j];
      int n = ptr[j + 1] - start;
      int base = 4 * start;
      for (int c = 0; c < bp; c += L) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int k = 0; k < n; k++) {
          int xo = idx[start + k] * bp + c;
          a0 = FloatVector.broadcast(S, val[base + k]).fma(FloatVector.fromArray(S, xT, xo), a0);
          a1 = FloatVector.broadcast(S, val[base + n + k]).fma(FloatVector.fromArray(S, xT, xo + bp), a1);
          a2 = FloatVector.broadcast(S, val[base + 2 * n + k]).fma(FloatVector.fromArray(S, xT, xo + 2 * bp), a2);
          a3 = FloatVector.broadcast(S, val[base + 3 * n + k]).fma(FloatVector.fromArray(S, xT, xo + 3 * bp), a3);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(yT, j * bp + c);
      }
    }
  }

  /**
   * {@link #colBlocksT} on pairs of example vectors: the block's four inputs x 2 vectors, eight FMA chains,
   * one pass over the blocks per pair (as {@link #rowBlocksTPairs}).
   */
  private static void colBlocksTPairs(int[] ptr, int[] idx, float[] val, float[] xT, int bp, float[] yT,
      int from, int to) {
    for (int j = from; j < to; j++) {
      int start = ptr[j];
      int n = ptr[j + 1] - start;
      int base = 4 * start;
      for (int c = 0; c < bp; c += 2 * L) {
        FloatVector a0 = FloatVector.zero(S), b0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        FloatVector a2 = FloatVector.zero(S), b2 = FloatVector.zero(S);
        FloatVector a3 = FloatVector.zero(S), b3 = FloatVector.zero(S);
        for (int k = 0; k < n; k++) {
          int xo = idx[start + k] * bp + c;
          FloatVector v = FloatVector.broadcast(S, val[base + k]);
          a0 = v.fma(FloatVector.fromArray(S, xT, xo), a0);
          b0 = v.fma(FloatVector.fromArray(S, xT, xo + L), b0);
          v = FloatVector.broadcast(S, val[base + n + k]);
          a1 = v.fma(FloatVector.fromArray(S, xT, xo + bp), a1);
          b1 = v.fma(FloatVector.fromArray(S, xT, xo + bp + L), b1);
          v = FloatVector.broadcast(S, val[base + 2 * n + k]);
          a2 = v.fma(FloatVector.fromArray(S, xT, xo + 2 * bp), a2);
          b2 = v.fma(FloatVector.fromArray(S, xT, xo + 2 * bp + L), b2);
          v = FloatVector.broadcast(S, val[base + 3 * n + k]);
          a3 = v.fma(FloatVector.fromArray(S, xT, xo + 3 * bp), a3);
          b3 = v.fma(FloatVector.fromArray(S, xT, xo + 3 * bp + L), b3);
        }
        int out = j * bp + c;
        a0.add(a1).add(a2.add(a3)).intoArray(yT, out);
        b0.add(b1).add(b2.add(b3)).intoArray(yT, out + L);
      }
    }
  }

  @Override
  public void twoFour(float[] val, byte[] off, int groups, float[] x, float[] y, int from, int to) {
    // The column of each value is computed from 2-bit offsets; the Vector API gathers only through an
    // int[] index map, which the compact format does not hold, so this loop stays scalar.
    for (int j = from; j < to; j++) {
      float s0 = 0;
      float s1 = 0;
      int g0 = j * groups;
      for (int g = 0; g < groups; g++) {
        int o = off[g0 + g];
        int c = 4 * g;
        s0 += val[2 * (g0 + g)] * x[c + (o & 3)];
        s1 += val[2 * (g0 + g) + 1] * x[c + ((o >> 2) & 3)];
      }
      y[j] = s0 + s1;
    }
  }

  @Override
  public void twoFourT(float[] val, byte[] off, int groups, float[] xT, int bp, float[] yT, int from, int to) {
    for (int j = from; j < to; j++) {
      int g0 = j * groups;
      for (int c = 0; c < bp; c += L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        for (int g = 0; g < groups; g++) {
          int o = off[g0 + g];
          int col = 4 * g;
          a0 = FloatVector.broadcast(S, val[2 * (g0 + g)]).fma(FloatVector.fromArray(S, xT, (col + (o & 3)) * bp + c), a0);
          a1 = FloatVector.broadcast(S, val[2 * (g0 + g) + 1])
              .fma(FloatVector.fromArray(S, xT, (col + ((o >> 2) & 3)) * bp + c), a1);
        }
        a0.add(a1).intoArray(yT, j * bp + c);
      }
    }
  }

  @Override
  public void sigmoid(float[] a, int off, int len) {
    int i = off;
    int end = off + len;
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (; i + L <= end; i += L) {
      sigmoid(one, FloatVector.fromArray(S, a, i)).intoArray(a, i);
    }
    for (; i < end; i++) {
      a[i] = dev.topiary.sparse.kernel.ScalarKernels.sigmoid(a[i]);
    }
  }

  @Override
  public void tanh(float[] a, int off, int len) {
    int i = off;
    int end = off + len;
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (; i + L <= end; i += L) {
      tanh(one, FloatVector.fromArray(S, a, i)).intoArray(a, i);
    }
    for (; i < end; i++) {
      a[i] = dev.topiary.sparse.kernel.ScalarKernels.tanh(a[i]);
    }
  }

  @Override
  public void lstmCell(float[] proj, int po, float[] hr, int ro, float[] c, float[] h, int so, int u) {
    int j = 0;
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (; j + L <= u; j += L) {
      FloatVector i = sigmoid(one, FloatVector.fromArray(S, proj, po + j).add(FloatVector.fromArray(S, hr, ro + j)));
      FloatVector f = sigmoid(one,
          FloatVector.fromArray(S, proj, po + u + j).add(FloatVector.fromArray(S, hr, ro + u + j)));
      FloatVector g = tanh(one,
          FloatVector.fromArray(S, proj, po + 2 * u + j).add(FloatVector.fromArray(S, hr, ro + 2 * u + j)));
      FloatVector o = sigmoid(one,
          FloatVector.fromArray(S, proj, po + 3 * u + j).add(FloatVector.fromArray(S, hr, ro + 3 * u + j)));
      FloatVector cn = f.mul(FloatVector.fromArray(S, c, so + j)).add(i.mul(g));
      cn.intoArray(c, so + j);
      o.mul(tanh(one, cn)).intoArray(h, so + j);
    }
    for (; j < u; j++) {
      float i = dev.topiary.sparse.kernel.ScalarKernels.sigmoid(proj[po + j] + hr[ro + j]);
      float f = dev.topiary.sparse.kernel.ScalarKernels.sigmoid(proj[po + u + j] + hr[ro + u + j]);
      float g = dev.topiary.sparse.kernel.ScalarKernels.tanh(proj[po + 2 * u + j] + hr[ro + 2 * u + j]);
      float o = dev.topiary.sparse.kernel.ScalarKernels.sigmoid(proj[po + 3 * u + j] + hr[ro + 3 * u + j]);
      float cn = f * c[so + j] + i * g;
      c[so + j] = cn;
      h[so + j] = o * dev.topiary.sparse.kernel.ScalarKernels.tanh(cn);
    }
  }

  @Override
  public void lstmCellT(float[] projT, float[] hrT, float[] bias, float[] cT, float[] hT, int u, int bp,
      boolean @Nullable [] update) {
    // In passes over whole rows, with the exponentials in loops of their own: exp is a library call per
    // vector, and between other live vectors (one pass per example, as lstmCell) each call spilled them
    // (2.5x slower per exponential). projT and hrT are scratch here (both are recomputed every step).
    FloatVector one = FloatVector.broadcast(S, 1f);
    FloatVector minusOne = FloatVector.broadcast(S, -1f);
    FloatVector two = FloatVector.broadcast(S, 2f);
    for (int r = 0; r < 4 * u; r++) {
      // i, f, o: exp(-pre) for 1 / (1 + exp(-pre)); candidate c: exp(2 pre) for tanh
      FloatVector sign = r / u == 2 ? two : minusOne;
      FloatVector b = FloatVector.broadcast(S, bias[r]);
      for (int c = r * bp, end = c + bp; c < end; c += L) {
        FloatVector.fromArray(S, projT, c).add(FloatVector.fromArray(S, hrT, c)).add(b).mul(sign).intoArray(projT, c);
      }
    }
    exps(projT, 4 * u * bp);
    for (int j = 0; j < u; j++) {
      int ri = j * bp;
      int rf = (u + j) * bp;
      int rg = (2 * u + j) * bp;
      for (int c = 0; c < bp; c += L) {
        FloatVector i = one.div(one.add(FloatVector.fromArray(S, projT, ri + c)));
        FloatVector f = one.div(one.add(FloatVector.fromArray(S, projT, rf + c)));
        FloatVector g = one.sub(two.div(one.add(FloatVector.fromArray(S, projT, rg + c))));
        FloatVector cOld = FloatVector.fromArray(S, cT, ri + c);
        FloatVector cn = f.fma(cOld, i.mul(g));
        if (update != null) {
          cn = cOld.blend(cn, VectorMask.fromArray(S, update, c)); // masked examples keep their state
        }
        cn.intoArray(cT, ri + c);
        cn.mul(two).intoArray(hrT, ri + c);
      }
    }
    exps(hrT, u * bp);
    for (int j = 0; j < u; j++) {
      int ri = j * bp;
      int ro = (3 * u + j) * bp;
      for (int c = 0; c < bp; c += L) {
        FloatVector o = one.div(one.add(FloatVector.fromArray(S, projT, ro + c)));
        FloatVector hn = o.mul(one.sub(two.div(one.add(FloatVector.fromArray(S, hrT, ri + c)))));
        if (update != null) {
          hn = FloatVector.fromArray(S, hT, ri + c).blend(hn, VectorMask.fromArray(S, update, c));
        }
        hn.intoArray(hT, ri + c);
      }
    }
  }

  /** {@code a[0..len) = exp(a)}, {@code len} a multiple of the vector length. */
  private static void exps(float[] a, int len) {
    for (int i = 0; i < len; i += L) {
      exp(FloatVector.fromArray(S, a, i)).intoArray(a, i);
    }
  }

  private static FloatVector sigmoid(FloatVector one, FloatVector v) {
    return one.div(one.add(exp(v.neg())));
  }

  /**
   * {@code tanh(v) = 1 - 2 / (1 + exp(2v))}: one exponential (the API's {@code TANH} routine costs about
   * twice as much); absolute error ~1e-7 near 0.
   */
  private static FloatVector tanh(FloatVector one, FloatVector v) {
    return one.sub(one.add(one).div(one.add(exp(v.add(v)))));
  }

  /**
   * {@code exp(v)}: the Vector API's {@code EXP} (a vectorized library routine on x86). A Cody-Waite +
   * Taylor polynomial written here was slower in the LSTM step (400 vs 315 us per 200 steps): its argument
   * clamps alone cost that much (a vector min / max with Java's NaN and -0 rules is a blend sequence); and
   * as a method of ~230 bytecodes the JIT often refused to inline it, each call then boxing its vectors.
   */
  private static FloatVector exp(FloatVector v) {
    return v.lanewise(VectorOperators.EXP);
  }

  @Override
  public void depthwisePixel(float[] x, int[] taps, int[] wOff, int n, float[] w, float[] bias, float[] y, int yo,
      int depth, float lo, float hi) {
    FloatVector vlo = FloatVector.broadcast(S, lo);
    FloatVector vhi = FloatVector.broadcast(S, hi);
    int c = 0;
    for (; c + 2 * L <= depth; c += 2 * L) { // two vectors of channels at a time: two FMA chains in flight
      FloatVector a0 = FloatVector.fromArray(S, bias, c);
      FloatVector a1 = FloatVector.fromArray(S, bias, c + L);
      for (int t = 0; t < n; t++) {
        int xo = taps[t] + c;
        int wo = wOff[t] + c;
        a0 = FloatVector.fromArray(S, x, xo).fma(FloatVector.fromArray(S, w, wo), a0);
        a1 = FloatVector.fromArray(S, x, xo + L).fma(FloatVector.fromArray(S, w, wo + L), a1);
      }
      a0.max(vlo).min(vhi).intoArray(y, yo + c);
      a1.max(vlo).min(vhi).intoArray(y, yo + c + L);
    }
    for (; c + L <= depth; c += L) {
      FloatVector a0 = FloatVector.fromArray(S, bias, c);
      for (int t = 0; t < n; t++) {
        a0 = FloatVector.fromArray(S, x, taps[t] + c).fma(FloatVector.fromArray(S, w, wOff[t] + c), a0);
      }
      a0.max(vlo).min(vhi).intoArray(y, yo + c);
    }
    for (; c < depth; c++) {
      float a = bias[c];
      for (int t = 0; t < n; t++) {
        a = Math.fma(x[taps[t] + c], w[wOff[t] + c], a);
      }
      y[yo + c] = Math.min(Math.max(a, lo), hi);
    }
  }

  @Override
  public void scaleShiftClamp(float[] y, int n, float @Nullable [] scale, float[] shift, float lo, float hi, int from,
      int to) {
    FloatVector vlo = FloatVector.broadcast(S, lo);
    FloatVector vhi = FloatVector.broadcast(S, hi);
    int bound = S.loopBound(n);
    for (int r = from; r < to; r++) {
      int o = r * n;
      int j = 0;
      for (; j < bound; j += L) {
        FloatVector v = FloatVector.fromArray(S, y, o + j);
        FloatVector t = FloatVector.fromArray(S, shift, j);
        v = scale == null ? v.add(t) : v.fma(FloatVector.fromArray(S, scale, j), t);
        v.max(vlo).min(vhi).intoArray(y, o + j);
      }
      for (; j < n; j++) {
        float v = scale == null ? y[o + j] + shift[j] : Math.fma(y[o + j], scale[j], shift[j]);
        y[o + j] = Math.min(Math.max(v, lo), hi);
      }
    }
  }

  @Override
  public void depthwiseRow(float[] x, int[] taps, int[] wOff, int n, int step, int pixels, float[] w, float[] bias,
      float[] y, int yo, int depth, float lo, float hi) {
    FloatVector vlo = FloatVector.broadcast(S, lo);
    FloatVector vhi = FloatVector.broadcast(S, hi);
    int vecEnd = depth - depth % L;
    int p = 0;
    // four pixels per weight load, four independent FMA chains
    for (; p + 4 <= pixels; p += 4) {
      int o = yo + p * depth;
      int base = p * step;
      for (int c = 0; c < vecEnd; c += L) {
        FloatVector a0 = FloatVector.fromArray(S, bias, c);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int t = 0; t < n; t++) {
          FloatVector wv = FloatVector.fromArray(S, w, wOff[t] + c);
          int xo = taps[t] + base + c;
          a0 = FloatVector.fromArray(S, x, xo).fma(wv, a0);
          a1 = FloatVector.fromArray(S, x, xo + step).fma(wv, a1);
          a2 = FloatVector.fromArray(S, x, xo + 2 * step).fma(wv, a2);
          a3 = FloatVector.fromArray(S, x, xo + 3 * step).fma(wv, a3);
        }
        a0.max(vlo).min(vhi).intoArray(y, o + c);
        a1.max(vlo).min(vhi).intoArray(y, o + depth + c);
        a2.max(vlo).min(vhi).intoArray(y, o + 2 * depth + c);
        a3.max(vlo).min(vhi).intoArray(y, o + 3 * depth + c);
      }
      for (int q = 0; q < 4; q++) {
        for (int c = vecEnd; c < depth; c++) {
          float a = bias[c];
          for (int t = 0; t < n; t++) {
            a = Math.fma(x[taps[t] + base + q * step + c], w[wOff[t] + c], a);
          }
          y[o + q * depth + c] = Math.min(Math.max(a, lo), hi);
        }
      }
    }
    if (p < pixels) {
      int[] shifted = new int[n];
      for (; p < pixels; p++) {
        for (int t = 0; t < n; t++) {
          shifted[t] = taps[t] + p * step;
        }
        depthwisePixel(x, shifted, wOff, n, w, bias, y, yo + p * depth, depth, lo, hi);
      }
    }
  }

  @Override
  public void planeSpmm(int[] ptr, int[] idx, float[] val, float[] x, int xo, int xs, float[] y, int yo, int ys, int len,
      float @Nullable [] scale, float[] shift, float lo, float hi, int from, int to) {
    FloatVector vlo = FloatVector.broadcast(S, lo);
    FloatVector vhi = FloatVector.broadcast(S, hi);
    for (int j = from; j < to; j++) {
      int k0 = ptr[j];
      int k1 = ptr[j + 1];
      FloatVector vs = FloatVector.broadcast(S, scale == null ? 1f : scale[j]);
      FloatVector vt = FloatVector.broadcast(S, shift[j]);
      int out = yo + j * ys;
      int p = 0;
      // eight vectors of pixels per weight: eight FMA chains in flight (an FMA's latency is 4-5 cycles; with
      // fewer chains the loop waits on it), one broadcast for all eight
      for (; p + 8 * L <= len; p += 8 * L) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S), a5 = FloatVector.zero(S), a6 = FloatVector.zero(S), a7 = FloatVector.zero(S);
        for (int k = k0; k < k1; k++) {
          FloatVector w = FloatVector.broadcast(S, val[k]);
          int xi = xo + idx[k] * xs + p;
          a0 = FloatVector.fromArray(S, x, xi).fma(w, a0);
          a1 = FloatVector.fromArray(S, x, xi + L).fma(w, a1);
          a2 = FloatVector.fromArray(S, x, xi + 2 * L).fma(w, a2);
          a3 = FloatVector.fromArray(S, x, xi + 3 * L).fma(w, a3);
          a4 = FloatVector.fromArray(S, x, xi + 4 * L).fma(w, a4);
          a5 = FloatVector.fromArray(S, x, xi + 5 * L).fma(w, a5);
          a6 = FloatVector.fromArray(S, x, xi + 6 * L).fma(w, a6);
          a7 = FloatVector.fromArray(S, x, xi + 7 * L).fma(w, a7);
        }
        int o = out + p;
        a0.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o);
        a1.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o + L);
        a2.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o + 2 * L);
        a3.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o + 3 * L);
        a4.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o + 4 * L);
        a5.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o + 5 * L);
        a6.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o + 6 * L);
        a7.fma(vs, vt).max(vlo).min(vhi).intoArray(y, o + 7 * L);
      }
      for (; p + 2 * L <= len; p += 2 * L) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = FloatVector.zero(S);
        for (int k = k0; k < k1; k++) {
          FloatVector w = FloatVector.broadcast(S, val[k]);
          int xi = xo + idx[k] * xs + p;
          a0 = FloatVector.fromArray(S, x, xi).fma(w, a0);
          a1 = FloatVector.fromArray(S, x, xi + L).fma(w, a1);
        }
        a0.fma(vs, vt).max(vlo).min(vhi).intoArray(y, out + p);
        a1.fma(vs, vt).max(vlo).min(vhi).intoArray(y, out + p + L);
      }
      for (; p < len; p += L) {
        FloatVector a0 = FloatVector.zero(S);
        for (int k = k0; k < k1; k++) {
          a0 = FloatVector.fromArray(S, x, xo + idx[k] * xs + p).fma(FloatVector.broadcast(S, val[k]), a0);
        }
        a0.fma(vs, vt).max(vlo).min(vhi).intoArray(y, out + p);
      }
    }
  }

  @Override
  public void planeTaps(float[] x, int[] src, float[] w, int wo, int n, float bias, float lo, float hi, float[] y,
      int yo, int len) {
    FloatVector vlo = FloatVector.broadcast(S, lo);
    FloatVector vhi = FloatVector.broadcast(S, hi);
    FloatVector vb = FloatVector.broadcast(S, bias);
    int q = 0;
    // eight vectors per tap: eight FMA chains in flight (see planeSpmm)
    for (; q + 8 * L <= len; q += 8 * L) {
      FloatVector a0 = vb, a1 = vb, a2 = vb, a3 = vb, a4 = vb, a5 = vb, a6 = vb, a7 = vb;
      for (int t = 0; t < n; t++) {
        FloatVector wv = FloatVector.broadcast(S, w[wo + t]);
        int xi = src[t] + q;
        a0 = FloatVector.fromArray(S, x, xi).fma(wv, a0);
        a1 = FloatVector.fromArray(S, x, xi + L).fma(wv, a1);
        a2 = FloatVector.fromArray(S, x, xi + 2 * L).fma(wv, a2);
        a3 = FloatVector.fromArray(S, x, xi + 3 * L).fma(wv, a3);
        a4 = FloatVector.fromArray(S, x, xi + 4 * L).fma(wv, a4);
        a5 = FloatVector.fromArray(S, x, xi + 5 * L).fma(wv, a5);
        a6 = FloatVector.fromArray(S, x, xi + 6 * L).fma(wv, a6);
        a7 = FloatVector.fromArray(S, x, xi + 7 * L).fma(wv, a7);
      }
      int o = yo + q;
      a0.max(vlo).min(vhi).intoArray(y, o);
      a1.max(vlo).min(vhi).intoArray(y, o + L);
      a2.max(vlo).min(vhi).intoArray(y, o + 2 * L);
      a3.max(vlo).min(vhi).intoArray(y, o + 3 * L);
      a4.max(vlo).min(vhi).intoArray(y, o + 4 * L);
      a5.max(vlo).min(vhi).intoArray(y, o + 5 * L);
      a6.max(vlo).min(vhi).intoArray(y, o + 6 * L);
      a7.max(vlo).min(vhi).intoArray(y, o + 7 * L);
    }
    for (; q + 2 * L <= len; q += 2 * L) {
      FloatVector a0 = vb;
      FloatVector a1 = vb;
      for (int t = 0; t < n; t++) {
        FloatVector wv = FloatVector.broadcast(S, w[wo + t]);
        int xi = src[t] + q;
        a0 = FloatVector.fromArray(S, x, xi).fma(wv, a0);
        a1 = FloatVector.fromArray(S, x, xi + L).fma(wv, a1);
      }
      a0.max(vlo).min(vhi).intoArray(y, yo + q);
      a1.max(vlo).min(vhi).intoArray(y, yo + q + L);
    }
    for (; q + L <= len; q += L) {
      FloatVector a0 = vb;
      for (int t = 0; t < n; t++) {
        a0 = FloatVector.fromArray(S, x, src[t] + q).fma(FloatVector.broadcast(S, w[wo + t]), a0);
      }
      a0.max(vlo).min(vhi).intoArray(y, yo + q);
    }
    for (; q < len; q++) {
      float a = bias;
      for (int t = 0; t < n; t++) {
        a = Math.fma(x[src[t] + q], w[wo + t], a);
      }
      y[yo + q] = Math.min(Math.max(a, lo), hi);
    }
  }

  @Override
  public void planeSpmmAt(int[] ptr, int[] idx, float[] val, int j, float[] x, int xo, int xs, int[] xt, float[] y,
      int yo, int[] yt, int from, int to, float scale, float shift, float lo, float hi) {
    FloatVector vlo = FloatVector.broadcast(S, lo);
    FloatVector vhi = FloatVector.broadcast(S, hi);
    FloatVector vs = FloatVector.broadcast(S, scale);
    FloatVector vt = FloatVector.broadcast(S, shift);
    int k0 = ptr[j];
    int k1 = ptr[j + 1];
    int v = from;
    // eight runs per weight, as planeSpmm's eight vectors: eight FMA chains in flight
    for (; v + 8 <= to; v += 8) {
      int x0 = xo + xt[v], x1 = xo + xt[v + 1], x2 = xo + xt[v + 2], x3 = xo + xt[v + 3];
      int x4 = xo + xt[v + 4], x5 = xo + xt[v + 5], x6 = xo + xt[v + 6], x7 = xo + xt[v + 7];
      FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
      FloatVector a4 = FloatVector.zero(S), a5 = FloatVector.zero(S), a6 = FloatVector.zero(S), a7 = FloatVector.zero(S);
      for (int k = k0; k < k1; k++) {
        FloatVector w = FloatVector.broadcast(S, val[k]);
        int c = idx[k] * xs;
        a0 = FloatVector.fromArray(S, x, x0 + c).fma(w, a0);
        a1 = FloatVector.fromArray(S, x, x1 + c).fma(w, a1);
        a2 = FloatVector.fromArray(S, x, x2 + c).fma(w, a2);
        a3 = FloatVector.fromArray(S, x, x3 + c).fma(w, a3);
        a4 = FloatVector.fromArray(S, x, x4 + c).fma(w, a4);
        a5 = FloatVector.fromArray(S, x, x5 + c).fma(w, a5);
        a6 = FloatVector.fromArray(S, x, x6 + c).fma(w, a6);
        a7 = FloatVector.fromArray(S, x, x7 + c).fma(w, a7);
      }
      // stored in table order (see Kernels#planeSpmmAt)
      a0.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v]);
      a1.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v + 1]);
      a2.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v + 2]);
      a3.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v + 3]);
      a4.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v + 4]);
      a5.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v + 5]);
      a6.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v + 6]);
      a7.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v + 7]);
    }
    for (; v < to; v++) {
      FloatVector a0 = FloatVector.zero(S);
      int x0 = xo + xt[v];
      for (int k = k0; k < k1; k++) {
        a0 = FloatVector.fromArray(S, x, x0 + idx[k] * xs).fma(FloatVector.broadcast(S, val[k]), a0);
      }
      a0.fma(vs, vt).max(vlo).min(vhi).intoArray(y, yo + yt[v]);
    }
  }

  @Override
  public void planeTapsAt(float[] x, int[] src, float[] w, int wo, int nt, float bias, float lo, float hi, int[] xt,
      float[] y, int yo, int[] yt, int from, int to) {
    FloatVector vlo = FloatVector.broadcast(S, lo);
    FloatVector vhi = FloatVector.broadcast(S, hi);
    FloatVector vb = FloatVector.broadcast(S, bias);
    int v = from;
    for (; v + 8 <= to; v += 8) {
      int x0 = xt[v], x1 = xt[v + 1], x2 = xt[v + 2], x3 = xt[v + 3];
      int x4 = xt[v + 4], x5 = xt[v + 5], x6 = xt[v + 6], x7 = xt[v + 7];
      FloatVector a0 = vb, a1 = vb, a2 = vb, a3 = vb, a4 = vb, a5 = vb, a6 = vb, a7 = vb;
      for (int t = 0; t < nt; t++) {
        FloatVector wv = FloatVector.broadcast(S, w[wo + t]);
        int c = src[t];
        a0 = FloatVector.fromArray(S, x, x0 + c).fma(wv, a0);
        a1 = FloatVector.fromArray(S, x, x1 + c).fma(wv, a1);
        a2 = FloatVector.fromArray(S, x, x2 + c).fma(wv, a2);
        a3 = FloatVector.fromArray(S, x, x3 + c).fma(wv, a3);
        a4 = FloatVector.fromArray(S, x, x4 + c).fma(wv, a4);
        a5 = FloatVector.fromArray(S, x, x5 + c).fma(wv, a5);
        a6 = FloatVector.fromArray(S, x, x6 + c).fma(wv, a6);
        a7 = FloatVector.fromArray(S, x, x7 + c).fma(wv, a7);
      }
      a0.max(vlo).min(vhi).intoArray(y, yo + yt[v]);
      a1.max(vlo).min(vhi).intoArray(y, yo + yt[v + 1]);
      a2.max(vlo).min(vhi).intoArray(y, yo + yt[v + 2]);
      a3.max(vlo).min(vhi).intoArray(y, yo + yt[v + 3]);
      a4.max(vlo).min(vhi).intoArray(y, yo + yt[v + 4]);
      a5.max(vlo).min(vhi).intoArray(y, yo + yt[v + 5]);
      a6.max(vlo).min(vhi).intoArray(y, yo + yt[v + 6]);
      a7.max(vlo).min(vhi).intoArray(y, yo + yt[v + 7]);
    }
    for (; v < to; v++) {
      FloatVector a0 = vb;
      int x0 = xt[v];
      for (int t = 0; t < nt; t++) {
        a0 = FloatVector.fromArray(S, x, x0 + src[t]).fma(FloatVector.broadcast(S, w[wo + t]), a0);
      }
      a0.max(vlo).min(vhi).intoArray(y, yo + yt[v]);
    }
  }
}
