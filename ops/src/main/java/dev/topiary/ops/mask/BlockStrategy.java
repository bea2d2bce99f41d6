package dev.topiary.ops.mask;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Unstack;
import org.tensorflow.types.TFloat32;

/**
 * Block sparsity on rank-2 weights. Blocks are aligned at index 0; when a dimension is not divisible by
 * the block size, the last block along it is partial and AVG pools over its real elements only. (The
 * reference pools with padding before the data but expands assuming padding after, which misaligns
 * every block in that case; this implementation does not.) A block may not be larger than the weights
 * along either dimension.
 *
 * <p>AVG pooling follows the reference's float32 operations exactly: it pools in two passes (TFMOT's
 * {@code factorized_pool}), first down each column over the block's rows, then along each row of
 * those means over the block's columns; each pass adds the window's values in index order and divides
 * the sum by the number of real values in the window (TF's AvgPool kernel). For a 2x2 block that is
 * {@code ((a + c) / 2 + (b + d) / 2) / 2}, which can differ in the last bit from {@code (a + b + c + d) / 4}.
 */
public record BlockStrategy(int rows, int cols, BlockPooling pooling) implements MaskStrategy {

  public BlockStrategy {
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException("block size must be at least 1x1, got " + rows + "x" + cols);
    }
    if (pooling == null) {
      throw new IllegalArgumentException("block pooling type must be AVG or MAX, got null");
    }
  }

  @Override
  public void validate(Shape shape) {
    if (shape.numDimensions() != 2 || shape.hasUnknownDimension()) {
      throw new IllegalArgumentException(
          "block sparsity " + this + " needs rank-2 weights of known shape, got shape " + shape);
    }
    // A block covering the whole tensor leaves one block, which the keep-at-least-one rule never prunes.
    if (rows > shape.get(0) || cols > shape.get(1)) {
      throw new IllegalArgumentException("block sparsity " + this + ": the " + rows + "x" + cols
          + " block is larger than the weights of shape " + shape + "; use a block that fits in the weights");
    }
  }

  @Override
  public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
    validate(weights.shape());
    int height = (int) weights.shape().get(0);
    int width = (int) weights.shape().get(1);
    int blockRows = HostArrays.ceilDiv(height, rows);
    int blockCols = HostArrays.ceilDiv(width, cols);
    Operand<TFloat32> magnitudes = tf.math.abs(weights);
    if (blockRows * rows != height || blockCols * cols != width) {
      // Zeros after the data: they add nothing to a window's sum and are not counted by AVG.
      int[][] padAfter = {{0, blockRows * rows - height}, {0, blockCols * cols - width}};
      magnitudes = tf.pad(magnitudes, tf.constant(padAfter), tf.constant(0f));
    }
    Operand<TFloat32> pooled =
        switch (pooling) {
          case MAX -> tf.max(
              tf.reshape(magnitudes, tf.constant(new int[] {blockRows, rows, blockCols, cols})),
              tf.constant(new int[] {1, 3}));
          case AVG -> {
            Operand<TFloat32> byRows = windowSum(tf, magnitudes, new int[] {blockRows, rows, blockCols * cols}, 1, rows);
            Operand<TFloat32> rowMeans = tf.math.div(byRows, tf.constant(rowCounts(height)));
            Operand<TFloat32> byCols = windowSum(tf, rowMeans, new int[] {blockRows, blockCols, cols}, 2, cols);
            yield tf.math.div(byCols, tf.constant(new float[][] {colCounts(width)}));
          }
        };
    MaskResult pooledMask = MagnitudeRules.ops(tf, pooled, sparsity);
    Operand<TFloat32> expanded =
        tf.reshape(
            tf.tile(
                tf.reshape(pooledMask.mask(), tf.constant(new int[] {blockRows, 1, blockCols, 1})),
                tf.constant(new int[] {1, rows, 1, cols})),
            tf.constant(new int[] {blockRows * rows, blockCols * cols}));
    Operand<TFloat32> mask =
        tf.slice(expanded, tf.constant(new int[] {0, 0}), tf.constant(new int[] {height, width}));
    return new MaskResult(mask, pooledMask.threshold());
  }

  /**
   * Sum over axis {@code axis} (of length {@code size}) of {@code values} seen as {@code shape}, added
   * one slice at a time in index order (a reduce op leaves the order of additions to the kernel).
   */
  private static Operand<TFloat32> windowSum(Ops tf, Operand<TFloat32> values, int[] shape, int axis, int size) {
    List<? extends Operand<TFloat32>> slices =
        tf.unstack(tf.reshape(values, tf.constant(shape)), (long) size, Unstack.axis((long) axis))
            .output();
    Operand<TFloat32> sum = slices.get(0);
    for (int i = 1; i < size; i++) {
      sum = tf.math.add(sum, slices.get(i));
    }
    return sum;
  }

  @Override
  public HostMask host(float[] weights, long[] shape, float sparsity) {
    HostArrays.check(weights, shape, sparsity);
    validate(Shape.of(shape));
    int height = (int) shape[0];
    int width = (int) shape[1];
    int blockRows = HostArrays.ceilDiv(height, rows);
    int blockCols = HostArrays.ceilDiv(width, cols);
    float[] pooled = pooling == BlockPooling.MAX
        ? maxPool(weights, height, width, blockRows, blockCols)
        : avgPool(weights, height, width, blockRows, blockCols);
    HostMask pooledMask = MagnitudeRules.host(pooled, new long[] {blockRows, blockCols}, sparsity);
    float[] blockKeep = pooledMask.mask();
    float[] mask = new float[weights.length];
    for (int i = 0; i < height; i++) {
      for (int j = 0; j < width; j++) {
        mask[i * width + j] = blockKeep[(i / rows) * blockCols + j / cols];
      }
    }
    return new HostMask(mask, shape, pooledMask.threshold());
  }

  private float[] maxPool(float[] weights, int height, int width, int blockRows, int blockCols) {
    float[] pooled = new float[blockRows * blockCols];
    for (int i = 0; i < height; i++) {
      for (int j = 0; j < width; j++) {
        int b = (i / rows) * blockCols + j / cols;
        pooled[b] = Math.max(pooled[b], Math.abs(weights[i * width + j]));
      }
    }
    return pooled;
  }

  /** The reference's two passes, in its order of float32 operations (see the class comment). */
  private float[] avgPool(float[] weights, int height, int width, int blockRows, int blockCols) {
    float[] rowCounts = column(rowCounts(height));
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
    float[] colCounts = colCounts(width);
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

  /** Real (unpadded) rows in each block row, as a [blockRows, 1] column for broadcasting. */
  private float[][] rowCounts(int height) {
    float[][] counts = new float[HostArrays.ceilDiv(height, rows)][1];
    for (int r = 0; r < counts.length; r++) {
      counts[r][0] = Math.min(rows, height - r * rows);
    }
    return counts;
  }

  /** Real (unpadded) columns in each block column. */
  private float[] colCounts(int width) {
    float[] counts = new float[HostArrays.ceilDiv(width, cols)];
    for (int c = 0; c < counts.length; c++) {
      counts[c] = Math.min(cols, width - c * cols);
    }
    return counts;
  }

  private static float[] column(float[][] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = values[i][0];
    }
    return out;
  }

  @Override
  public String toString() {
    return "block(" + rows + "x" + cols + ", " + pooling + ")";
  }
}
