package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Keras' MaxPooling2D over {@code (batch, height, width, channels)}: strides = pool size, valid padding by default. */
public final class MaxPooling2D extends BasePooling2D<MaxPooling2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<MaxPooling2D> TYPE =
      LayerType.of("MaxPooling2D", MaxPooling2D.class, s -> read(of(1), s));

  private MaxPooling2D(@Nullable String name, int poolRows, int poolCols, int strideRows, int strideCols,
      Padding padding) {
    super(name, poolRows, poolCols, strideRows, strideCols, padding);
  }

  /** Keras {@code MaxPooling2D(pool_size=size)}. */
  public static MaxPooling2D of(int size) {
    return new MaxPooling2D(null, size, size, size, size, Padding.VALID);
  }

  @Override
  MaxPooling2D create(@Nullable String name, int poolRows, int poolCols, int strideRows, int strideCols,
      Padding padding) {
    return new MaxPooling2D(name, poolRows, poolCols, strideRows, strideCols, padding);
  }

  @Override
  public String typeName() {
    return "MaxPooling2D";
  }

  @Override
  Operand<TFloat32> pool(Ops tf, Operand<TFloat32> x) {
    return MaxPoolOp.create(tf, x, new long[] {1, poolRows, poolCols, 1}, new long[] {1, strideRows, strideCols, 1},
        padding.name());
  }
}
