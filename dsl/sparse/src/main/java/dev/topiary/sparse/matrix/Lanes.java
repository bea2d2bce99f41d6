package dev.topiary.sparse.matrix;

/**
 * Moves between row-major examples and the transposed ("lanes") layout the batched kernels use,
 * {@code [column][bp]} with one example per lane: the products' own transposes, and a transposed
 * recurrence's inputs and states per step. Rows are {@code stride} floats apart ({@code cols} for a plain
 * batch; {@code steps x features} to take one time step of each example of a sequence).
 *
 * <p>In tiles of 16 columns: each row's tile is one cache line read, and the 16 lines written per row stay
 * in L1. Neither plain loop order works: rows outer write a new line of the transposed block per
 * element, columns outer read lines one row apart (a power-of-two stride for 4096 inputs, all in one
 * cache set).
 */
public final class Lanes {
  /** Columns per tile: one cache line of a row. */
  private static final int TILE = 16;

  private Lanes() {}

  /** {@code xT[i bp + b] = x[off + b stride + i]} for {@code cols} columns of {@code n} rows. */
  public static void toLanes(float[] x, int off, int stride, int cols, int n, float[] xT, int bp) {
    for (int i0 = 0; i0 < cols; i0 += TILE) {
      int i1 = Math.min(cols, i0 + TILE);
      for (int b = 0; b < n; b++) {
        int o = off + b * stride;
        for (int i = i0; i < i1; i++) {
          xT[i * bp + b] = x[o + i];
        }
      }
    }
  }

  /** The inverse of {@link #toLanes}: {@code y[off + b stride + j] = yT[j bp + b]}. */
  public static void fromLanes(float[] yT, int bp, float[] y, int off, int stride, int cols, int n) {
    for (int j0 = 0; j0 < cols; j0 += TILE) {
      int j1 = Math.min(cols, j0 + TILE);
      for (int b = 0; b < n; b++) {
        int o = off + b * stride;
        for (int j = j0; j < j1; j++) {
          y[o + j] = yT[j * bp + b];
        }
      }
    }
  }
}
