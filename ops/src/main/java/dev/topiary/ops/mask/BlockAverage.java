package dev.topiary.ops.mask;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Unstack;
import org.tensorflow.types.TFloat32;

/**
 * AVG block pooling in the reference's order of float32 operations, as ops and in Java. TFMOT's
 * {@code factorized_pool} pools in two passes: first down each column over the block's rows, then
 * along each row of those means over the block's columns; each pass (TF's AvgPool kernel) adds the
 * window's values in index order and divides the sum by the number of real values in the window. For
 * a 2x2 block that is {@code ((a + c) / 2 + (b + d) / 2) / 2}, which can differ in the last bit from
 * {@code (a + b + c + d) / 4}. Blocks start at index 0; a partial last block counts its real values only.
 */
final class BlockAverage {
  private final int rows;
  private final int cols;
  private final int height;
  private final int width;

  BlockAverage(int rows, int cols, int height, int width) {
    this.rows = rows;
    this.cols = cols;
    this.height = height;
    this.width = width;
  }

  /** Pooled {@code [blockRows, blockCols]} means of {@code magnitudes}, zero-padded to whole blocks. */
  Operand<TFloat32> ops(Ops tf, Operand<TFloat32> magnitudes) {
    int blockRows = HostArrays.ceilDiv(height, rows);
    int blockCols = HostArrays.ceilDiv(width, cols);
    Operand<TFloat32> byRows = windowSum(tf, magnitudes, new int[] {blockRows, rows, blockCols * cols}, 1, rows);
    Operand<TFloat32> rowMeans = tf.math.div(byRows, tf.constant(column(rowCounts())));
    Operand<TFloat32> byCols = windowSum(tf, rowMeans, new int[] {blockRows, blockCols, cols}, 2, cols);
    return tf.math.div(byCols, tf.constant(new float[][] {colCounts()}));
  }

  /**
   * Sum over axis {@code axis} (of length {@code size}) of {@code values} seen as {@code shape}, added
   * one slice at a time in index order (a reduce op leaves the order of additions to the kernel).
   */
  private static Operand<TFloat32> windowSum(Ops tf, Operand<TFloat32> values, int[] shape, int axis, int size) {
    List<? extends Operand<TFloat32>> slices =
        tf.unstack(tf.reshape(values, tf.constant(shape)), (long) size, Unstack.axis((long) axis)).output();
    Operand<TFloat32> sum = slices.get(0);
    for (int i = 1; i < size; i++) {
      sum = tf.math.add(sum, slices.get(i));
    }
    return sum;
  }

  /** Pooled row-major {@code [blockRows, blockCols]} means of the magnitudes of row-major {@code weights}. */
  float[] host(float[] weights) {
    int blockRows = HostArrays.ceilDiv(height, rows);
    int blockCols = HostArrays.ceilDiv(width, cols);
    float[] rowCounts = rowCounts();
    float[] rowMeans = new float[blockRows * width];
    for (int br = 0; br < blockRows; br++) {
      for (int j = 0; j < width; j++) {
        float sum = 0f;
        for (int i = br * rows; i < Math.min(height, (br + 1) * rows); i++) {
          sum += Math.abs(weights[i * width + j]);
        }
        rowMeans[br * width + j] = sum / rowCounts[br];
      }
    }
    float[] colCounts = colCounts();
    float[] pooled = new float[blockRows * blockCols];
    for (int br = 0; br < blockRows; br++) {
      for (int bc = 0; bc < blockCols; bc++) {
        float sum = 0f;
        for (int j = bc * cols; j < Math.min(width, (bc + 1) * cols); j++) {
          sum += rowMeans[br * width + j];
        }
        pooled[br * blockCols + bc] = sum / colCounts[bc];
      }
    }
    return pooled;
  }

  /** Real (unpadded) rows in each block row. */
  private float[] rowCounts() {
    float[] counts = new float[HostArrays.ceilDiv(height, rows)];
    for (int r = 0; r < counts.length; r++) {
      counts[r] = Math.min(rows, height - r * rows);
    }
    return counts;
  }

  /** Real (unpadded) columns in each block column. */
  private float[] colCounts() {
    float[] counts = new float[HostArrays.ceilDiv(width, cols)];
    for (int c = 0; c < counts.length; c++) {
      counts[c] = Math.min(cols, width - c * cols);
    }
    return counts;
  }

  /** {@code values} as a {@code [n, 1]} column, to divide each row by its own count. */
  private static float[][] column(float[] values) {
    float[][] out = new float[values.length][1];
    for (int i = 0; i < values.length; i++) {
      out[i][0] = values[i];
    }
    return out;
  }
}
