package dev.topiary.sparse.exec;

import dev.topiary.sparse.matrix.RowTable;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A batch of values between layers: {@code data} row-major {@code [batch, shape...]}, and for sequences
 * after a masking Embedding a mask {@code [batch, steps]} (true = a real step), else null.
 *
 * <p>An Embedding's output can stay as table rows by id ({@link #gathered}): a consumer that reads rows
 * itself (a recurrent layer, which transposes each step's inputs anyway) then skips the materialized
 * {@code [batch, steps, dim]} array, and {@link #data} builds it only when asked.
 */
public final class Value {
  private float @Nullable [] data;
  private final int batch;
  private final int[] shape;
  private final boolean @Nullable [] mask;
  private final @Nullable RowTable table;
  private final int @Nullable [] ids;
  /**
   * Channel-major: {@code shape} is still {@code [h, w, c]}, but {@code data} holds per example {@code c}
   * planes of {@link #planeStride} values, each the {@code h * w} pixels row by row, then padding.
   */
  private final boolean chw;

  public Value(float[] data, int batch, int[] shape, boolean @Nullable [] mask) {
    this(data, batch, shape, mask, null, null, false);
  }

  /**
   * A channel-major value of example shape {@code [h, w, c]}: {@code data} is {@code [batch][c][planeStride(h
   * w)]} (see {@link #planeStride}).
   */
  public static Value chw(float[] data, int batch, int[] shape) {
    if (shape.length != 3 || data.length != batch * shape[2] * planeStride(shape[0] * shape[1])) {
      throw new IllegalArgumentException("a channel-major value of batch " + batch + " x " + Arrays.toString(shape)
          + " needs " + batch + " x " + (shape.length == 3 ? shape[2] : -1) + " planes, got " + data.length + " values");
    }
    return new Value(data, batch, shape, null, null, null, true);
  }

  /**
   * Values per channel plane of {@code pixels} pixels: rounded up to 16, so that a plane is whole vectors at
   * every width up to 512 bits (the kernels run over a plane without a scalar tail; the padding lanes hold
   * values no layer reads as pixels).
   */
  public static int planeStride(int pixels) {
    return (pixels + 15) / 16 * 16;
  }

  /** Whether {@link #data} is channel-major (see {@link #chw(float[], int, int[])}). */
  public boolean isChw() {
    return chw;
  }

  public Value(float[] data, int batch, int[] shape) {
    this(data, batch, shape, null);
  }

  private Value(float @Nullable [] data, int batch, int[] shape, boolean @Nullable [] mask, @Nullable RowTable table,
      int @Nullable [] ids, boolean chw) {
    this.chw = chw;
    this.data = data;
    this.batch = batch;
    this.shape = shape;
    this.mask = mask;
    this.table = table;
    this.ids = ids;
  }

  /**
   * Rows {@code ids} of {@code table}, one per position of {@code [batch, shape without its last
   * dimension]}; {@code shape}'s last dimension is the table's.
   */
  public static Value gathered(RowTable table, int[] ids, int batch, int[] shape, boolean @Nullable [] mask) {
    return new Value(null, batch, shape, mask, table, ids, false);
  }

  /**
   * The values row-major (built from the table rows on first use if {@link #gathered}; synchronized, as
   * shares of a batch on several threads may ask at once).
   */
  public synchronized float[] data() {
    if (data == null) {
      data = table.gather(ids);
    }
    return data;
  }

  /** The values' array if it exists (a {@link #gathered} value builds it only when {@link #data} is asked). */
  public synchronized float @Nullable [] dataIfBuilt() {
    return data;
  }

  public int batch() {
    return batch;
  }

  public int[] shape() {
    return shape;
  }

  public boolean @Nullable [] mask() {
    return mask;
  }

  /** The table whose rows these values are, or null. */
  public @Nullable RowTable table() {
    return table;
  }

  /** The row ids, one per position (with {@link #table}), or null. */
  public int @Nullable [] ids() {
    return ids;
  }

  /** Values per example. */
  public int exampleSize() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  public Value withMask(boolean @Nullable [] mask) {
    return new Value(data, batch, shape, mask, table, ids, chw);
  }

  @Override
  public String toString() {
    return "batch " + batch + " x " + Arrays.toString(shape) + (chw ? " channel-major" : "");
  }
}
