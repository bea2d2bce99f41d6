package dev.topiary.dsl.state;

import dev.topiary.dsl.export.BinaryFormat;
import java.util.Arrays;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The value of one model variable held in Java memory: float32 (weights, masks, thresholds,
 * optimizer slots) or int64 (steps, counters), any rank including scalars. Immutable.
 */
public final class StateTensor {
  /** The element type of a state tensor. */
  public enum DType { FLOAT32, INT64 }

  private final DType dtype;
  private final long[] shape;
  private final float[] floats;
  private final long[] longs;

  /**
   * @throws IllegalArgumentException if the shape is invalid (negative or too large dimensions, rank
   *     above 254, an element count above {@code Integer.MAX_VALUE}: see
   *     {@link BinaryFormat#elementCount}) or does not hold exactly the values given
   */
  private StateTensor(DType dtype, long[] shape, float[] floats, long[] longs) {
    this.dtype = dtype;
    this.shape = shape;
    this.floats = floats;
    this.longs = longs;
    int size = BinaryFormat.elementCount(shape); // before any tensor of this shape can exist
    int length = floats != null ? floats.length : longs.length;
    if (size != length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size + " values, got " + length);
    }
  }

  public static StateTensor ofFloats(float[] values, long... shape) {
    return new StateTensor(DType.FLOAT32, shape.clone(), values.clone(), null);
  }

  public static StateTensor ofLongs(long[] values, long... shape) {
    return new StateTensor(DType.INT64, shape.clone(), null, values.clone());
  }

  /** Copies a float32 or int64 tensor. */
  public static StateTensor of(Tensor tensor) {
    long[] shape = tensor.shape().asArray();
    if (tensor instanceof TFloat32 f) {
      float[] v = new float[Math.toIntExact(f.size())];
      f.copyTo(DataBuffers.of(v, false, false));
      return new StateTensor(DType.FLOAT32, shape, v, null);
    }
    if (tensor instanceof TInt64 l) {
      long[] v = new long[Math.toIntExact(l.size())];
      l.copyTo(DataBuffers.of(v, false, false));
      return new StateTensor(DType.INT64, shape, null, v);
    }
    throw new IllegalArgumentException("state tensors are float32 or int64, got " + tensor.dataType());
  }

  /** A new tensor with these values (the shape was validated on construction); the caller closes it. */
  public Tensor toTensor() {
    return dtype == DType.FLOAT32
        ? TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(floats, true, false))
        : TInt64.tensorOf(Shape.of(shape), DataBuffers.of(longs, true, false));
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("this state tensor is int64");
    }
    return floats.clone();
  }

  public long[] longs() {
    if (longs == null) {
      throw new IllegalStateException("this state tensor is float32");
    }
    return longs.clone();
  }

  /** Same dtype and shape as {@code other}. */
  public boolean sameTypeAs(StateTensor other) {
    return dtype == other.dtype && Arrays.equals(shape, other.shape);
  }

  /** Bit-exact equality (NaN payloads and the sign of zero included). */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StateTensor t) || !sameTypeAs(t)) {
      return false;
    }
    if (floats == null) {
      return Arrays.equals(longs, t.longs);
    }
    for (int i = 0; i < floats.length; i++) {
      if (Float.floatToRawIntBits(floats[i]) != Float.floatToRawIntBits(t.floats[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + (floats != null ? Arrays.hashCode(floats) : Arrays.hashCode(longs));
  }

  @Override
  public String toString() {
    return dtype.name().toLowerCase(java.util.Locale.ROOT) + Arrays.toString(shape);
  }
}
