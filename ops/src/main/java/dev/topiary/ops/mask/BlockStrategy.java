package dev.topiary.ops.mask;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Block sparsity on rank-2 weights. Blocks are aligned at index 0; when a dimension is not divisible by
 * the block size, the last block along it is partial and AVG pools over its real elements only. (The
 * reference pools with padding before the data but expands assuming padding after, which misaligns
 * every block in that case; this implementation does not.)
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
      int[][] padAfter = {{0, blockRows * rows - height}, {0, blockCols * cols - width}};
      magnitudes = tf.pad(magnitudes, tf.constant(padAfter), tf.constant(0f));
    }
    Operand<TFloat32> blocks = tf.reshape(magnitudes, tf.constant(new int[] {blockRows, rows, blockCols, cols}));
    Operand<TFloat32> pooled =
        switch (pooling) {
          case MAX -> tf.max(blocks, tf.constant(new int[] {1, 3}));
          case AVG -> tf.math.div(
              tf.sum(blocks, tf.constant(new int[] {1, 3})),
              tf.constant(realElementCounts(height, width)));
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

  @Override
  public HostMask host(float[] weights, long[] shape, float sparsity) {
    HostArrays.check(weights, shape, sparsity);
    validate(Shape.of(shape));
    int height = (int) shape[0];
    int width = (int) shape[1];
    int blockRows = HostArrays.ceilDiv(height, rows);
    int blockCols = HostArrays.ceilDiv(width, cols);
    float[][] counts = realElementCounts(height, width);
    float[] pooled = new float[blockRows * blockCols];
    for (int i = 0; i < height; i++) {
      for (int j = 0; j < width; j++) {
        int b = (i / rows) * blockCols + j / cols;
        float magnitude = Math.abs(weights[i * width + j]);
        pooled[b] = pooling == BlockPooling.MAX ? Math.max(pooled[b], magnitude) : pooled[b] + magnitude;
      }
    }
    if (pooling == BlockPooling.AVG) {
      for (int b = 0; b < pooled.length; b++) {
        pooled[b] /= counts[b / blockCols][b % blockCols];
      }
    }
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

  /** Number of real (unpadded) weights in each block, for AVG pooling. */
  private float[][] realElementCounts(int height, int width) {
    int blockRows = HostArrays.ceilDiv(height, rows);
    int blockCols = HostArrays.ceilDiv(width, cols);
    float[][] counts = new float[blockRows][blockCols];
    for (int r = 0; r < blockRows; r++) {
      for (int c = 0; c < blockCols; c++) {
        counts[r][c] = Math.min(rows, height - r * rows) * Math.min(cols, width - c * cols);
      }
    }
    return counts;
  }

  @Override
  public String toString() {
    return "block(" + rows + "x" + cols + ", " + pooling + ")";
  }

}
