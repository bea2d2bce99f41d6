package dev.topiary.sparse.matrix;

/**
 * A lookup table {@code [rows, dim]} read a row at a time (embeddings). At least half zeros, it is kept
 * as compressed rows (16-bit column and float value per non-zero, when {@code dim} fits 16 bits);
 * otherwise dense. A pruned embedding is most of the IMDB model's bytes.
 */
public final class RowTable {
  private final int rows;
  private final int dim;
  private final float[] dense;
  private final int[] ptr;
  private final char[] idx;
  private final float[] val;

  public RowTable(float[] table, int rows, int dim) {
    if ((long) rows * dim != table.length) {
      throw new IllegalArgumentException("table holds " + table.length + " values, not " + rows + " x " + dim);
    }
    this.rows = rows;
    this.dim = dim;
    int nnz = 0;
    for (float v : table) {
      nnz += v != 0f ? 1 : 0;
    }
    if (nnz <= table.length / 2 && dim <= Character.MAX_VALUE) {
      dense = null;
      ptr = new int[rows + 1];
      idx = new char[nnz];
      val = new float[nnz];
      int k = 0;
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < dim; j++) {
          float v = table[r * dim + j];
          if (v != 0f) {
            idx[k] = (char) j;
            val[k++] = v;
          }
        }
        ptr[r + 1] = k;
      }
    } else {
      dense = table.clone();
      ptr = null;
      idx = null;
      val = null;
    }
  }

  public int rows() {
    return rows;
  }

  public int dim() {
    return dim;
  }

  public boolean compressed() {
    return dense == null;
  }

  /** Writes row {@code r} to {@code out[offset..offset+dim)}, which must hold zeros. */
  public void row(int r, float[] out, int offset) {
    if (dense != null) {
      System.arraycopy(dense, r * dim, out, offset, dim);
    } else {
      for (int k = ptr[r]; k < ptr[r + 1]; k++) {
        out[offset + idx[k]] = val[k];
      }
    }
  }

  /** Rows {@code ids[0], ids[1], ...} one after the other, {@code [ids.length, dim]} row-major. */
  public float[] gather(int[] ids) {
    float[] out = new float[ids.length * dim];
    for (int i = 0; i < ids.length; i++) {
      row(ids[i], out, i * dim);
    }
    return out;
  }

  /**
   * Writes row {@code r} into lane {@code lane} of a transposed block, {@code out[j bp + lane]} for each
   * column {@code j}, which must hold zeros: a compressed row writes only its non-zeros.
   */
  public void rowTransposed(int r, float[] out, int bp, int lane) {
    if (dense != null) {
      for (int j = 0, o = r * dim; j < dim; j++) {
        out[j * bp + lane] = dense[o + j];
      }
    } else {
      for (int k = ptr[r]; k < ptr[r + 1]; k++) {
        out[idx[k] * bp + lane] = val[k];
      }
    }
  }

  public long bytes() {
    return dense != null ? 4L * dense.length : 4L * ptr.length + 2L * idx.length + 4L * val.length;
  }

  /** The whole table, dense, row-major. */
  public float[] toDense() {
    float[] t = new float[rows * dim];
    for (int r = 0; r < rows; r++) {
      row(r, t, r * dim);
    }
    return t;
  }
}
