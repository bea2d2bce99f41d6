package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Keras' MaxPooling3D: a cubic window, stride = window, valid padding by default. */
public final class MaxPooling3D extends BasePooling3D<MaxPooling3D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<MaxPooling3D> TYPE =
      LayerType.of("MaxPooling3D", MaxPooling3D.class, s -> read(of(s.getInt("size")), s));

  private MaxPooling3D(@Nullable String name, int size, int stride, Padding padding) {
    super(name, size, stride, padding);
  }

  public static MaxPooling3D of(int size) {
    return new MaxPooling3D(null, size, size, Padding.VALID);
  }

  @Override
  MaxPooling3D create(@Nullable String name, int stride, Padding padding) {
    return new MaxPooling3D(name, size, stride, padding);
  }

  @Override
  public String typeName() {
    return "MaxPooling3D";
  }

  @Override
  Operand<TFloat32> pool(Ops tf, Operand<TFloat32> x, List<Long> window, List<Long> strides) {
    return tf.nn.maxPool3d(x, window, strides, padding.name());
  }
}
