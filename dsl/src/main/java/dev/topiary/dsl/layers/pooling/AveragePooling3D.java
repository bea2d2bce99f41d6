package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Keras' AveragePooling3D: a cubic window, stride = window, valid padding by default. */
public final class AveragePooling3D extends BasePooling3D<AveragePooling3D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<AveragePooling3D> TYPE =
      LayerType.of("AveragePooling3D", AveragePooling3D.class, s -> read(of(s.getInt("size")), s));

  private AveragePooling3D(@Nullable String name, int size, int stride, Padding padding) {
    super(name, size, stride, padding);
  }

  public static AveragePooling3D of(int size) {
    return new AveragePooling3D(null, size, size, Padding.VALID);
  }

  @Override
  AveragePooling3D create(@Nullable String name, int stride, Padding padding) {
    return new AveragePooling3D(name, size, stride, padding);
  }

  @Override
  public String typeName() {
    return "AveragePooling3D";
  }

  @Override
  Operand<TFloat32> pool(Ops tf, Operand<TFloat32> x, List<Long> window, List<Long> strides) {
    return tf.nn.avgPool3d(x, window, strides, padding.name());
  }
}
