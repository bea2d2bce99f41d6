package dev.topiary.dsl.layers.pooling;

import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Max pooling over steps, window = stride = {@code size}, valid padding. */
public final class MaxPooling1D extends BasePooling1D<MaxPooling1D> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<MaxPooling1D> TYPE =
      LayerType.of("MaxPooling1D", MaxPooling1D.class, s -> of(size(s)));

  private MaxPooling1D(@Nullable String name, int size) {
    super(name, size);
  }

  public static MaxPooling1D of(int size) {
    return new MaxPooling1D(null, size);
  }

  @Override
  MaxPooling1D create(@Nullable String name) {
    return new MaxPooling1D(name, size);
  }

  @Override
  public String typeName() {
    return "MaxPooling1D";
  }

  @Override
  Operand<TFloat32> pool(Ops tf, Operand<TFloat32> image) {
    return MaxPoolOp.create(tf, image, new long[] {1, 1, size, 1}, new long[] {1, 1, size, 1}, "VALID");
  }
}
