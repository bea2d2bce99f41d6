package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Keras' AveragePooling2D over {@code (batch, height, width, channels)}: strides = pool size, valid padding by default. */
public final class AveragePooling2D extends BasePooling2D<AveragePooling2D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<AveragePooling2D> TYPE =
      LayerType.of("AveragePooling2D", AveragePooling2D.class, s -> read(of(1), s));

  private AveragePooling2D(@Nullable String name, int poolRows, int poolCols, int strideRows, int strideCols,
      Padding padding) {
    super(name, poolRows, poolCols, strideRows, strideCols, padding);
  }

  /** Keras {@code AveragePooling2D(pool_size=size)}. */
  public static AveragePooling2D of(int size) {
    return new AveragePooling2D(null, size, size, size, size, Padding.VALID);
  }

  @Override
  AveragePooling2D create(@Nullable String name, int poolRows, int poolCols, int strideRows, int strideCols,
      Padding padding) {
    return new AveragePooling2D(name, poolRows, poolCols, strideRows, strideCols, padding);
  }

  @Override
  public String typeName() {
    return "AveragePooling2D";
  }

  @Override
  Operand<TFloat32> pool(Ops tf, Operand<TFloat32> x) {
    return tf.nn.avgPool(x, List.of(1L, (long) poolRows, (long) poolCols, 1L),
        List.of(1L, (long) strideRows, (long) strideCols, 1L), padding.name());
  }
}
