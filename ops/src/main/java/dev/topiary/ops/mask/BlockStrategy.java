package dev.topiary.ops.mask;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Block sparsity on rank-2 weights. Blocks are aligned at index 0; when a dimension is not divisible by
 * the block size, the last block along it is partial and AVG pools over its real elements only. (The
 * reference pools with padding before the data but expands assuming padding after, which misaligns
 * every block in that case; this implementation does not.) A block may not be larger than the weights
 * along either dimension. AVG pooling follows the reference's float32 operations exactly (see
 * {@link BlockAverage}), so thresholds agree bit for bit.
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
          case AVG -> new BlockAverage(rows, cols, height, width).ops(tf, magnitudes);
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
    float[] pooled = pooling == BlockPooling.MAX
        ? maxPool(weights, height, width, blockRows, blockCols)
        : new BlockAverage(rows, cols, height, width).host(weights);
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

  @Override
  public String toString() {
    return "block(" + rows + "x" + cols + ", " + pooling + ")";
  }
}
