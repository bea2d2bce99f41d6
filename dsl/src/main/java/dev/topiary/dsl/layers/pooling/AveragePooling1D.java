package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LayerType;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Average pooling over steps, window = stride = {@code size}, valid padding. */
public final class AveragePooling1D extends BasePooling1D<AveragePooling1D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<AveragePooling1D> TYPE =
      LayerType.of("AveragePooling1D", AveragePooling1D.class, s -> of(size(s)));

  private AveragePooling1D(@Nullable String name, int size) {
    super(name, size);
  }

  public static AveragePooling1D of(int size) {
    return new AveragePooling1D(null, size);
  }

  @Override
  AveragePooling1D create(@Nullable String name) {
    return new AveragePooling1D(name, size);
  }

  @Override
  public String typeName() {
    return "AveragePooling1D";
  }

  @Override
  Operand<TFloat32> pool(Ops tf, Operand<TFloat32> image) {
    return tf.nn.avgPool(image, List.of(1L, 1L, (long) size, 1L), List.of(1L, 1L, (long) size, 1L), "VALID");
  }
}
