package dev.topiary.dsl.data;

import dev.topiary.dsl.export.BinaryFormat;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Values held in Java memory, row-major and immutable: the one host array type of the DSL. As data,
 * float features or int labels whose first dimension counts examples ({@link #of}, {@link #ofLabels});
 * as model state, any float32 or int64 tensor including scalars ({@link #ofFloats}, {@link #ofLongs}:
 * weights, masks, thresholds, steps, optimizer slots in a {@link dev.topiary.dsl.state.Snapshot}).
 * Turned into tensors only for the duration of one run.
 *
 * <p>Every shape is validated when the array is made (dimensions, rank, an element count that fits
 * a Java array): no tensor of an invalid shape can reach TensorFlow, whose shape checks abort the
 * process.
 */
public final class HostArray {
  /** The element type. */
  public enum DType { FLOAT32, INT32, INT64 }

  private final DType dtype;
  /** A float[], int[] or long[] matching {@link #dtype}. */
  private final Object values;
  private final long[] shape;

  private HostArray(DType dtype, Object values, long[] shape, boolean examples) {
    this.dtype = dtype;
    this.values = values;
    this.shape = shape;
    int size = BinaryFormat.elementCount(shape);
    int length = java.lang.reflect.Array.getLength(values);
    if ((examples && shape.length == 0) || size != length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size + " values but "
          + length + " were given" + (examples && shape.length == 0 ? " (the first dimension counts examples)" : ""));
    }
  }

  /** Float examples of {@code shape} (first dimension: examples). The array is copied. */
  public static HostArray of(float[] values, long... shape) {
    return new HostArray(DType.FLOAT32, values.clone(), shape.clone(), true);
  }

  /** Integer values (class labels) of {@code shape}; a single dimension by default. */
  public static HostArray ofLabels(int[] labels, long... shape) {
    long[] s = shape.length == 0 ? new long[] {labels.length} : shape.clone();
    return new HostArray(DType.INT32, labels.clone(), s, true);
  }

  /** A float32 tensor of any rank ({@code shape} empty: a scalar). The array is copied. */
  public static HostArray ofFloats(float[] values, long... shape) {
    return new HostArray(DType.FLOAT32, values.clone(), shape.clone(), false);
  }

  /** An int64 tensor of any rank ({@code shape} empty: a scalar). The array is copied. */
  public static HostArray ofLongs(long[] values, long... shape) {
    return new HostArray(DType.INT64, values.clone(), shape.clone(), false);
  }

  public DType dtype() {
    return dtype;
  }

  /** True for integer labels (int32); features and model weights are float. */
  public boolean isIntegral() {
    return dtype == DType.INT32;
  }

  /** The size of the first dimension. */
  public int examples() {
    if (shape.length == 0) {
      throw new IllegalStateException("a scalar has no examples");
    }
    return (int) shape[0];
  }

  public long[] shape() {
    return shape.clone();
  }

  /** The shape of one example. */
  public long[] exampleShape() {
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  private int length() {
    return java.lang.reflect.Array.getLength(values);
  }

  private int exampleSize() {
    return shape[0] == 0 ? 0 : length() / (int) shape[0];
  }

  /** A copy of the values as floats (int labels converted). */
  public float[] floats() {
    switch (dtype) {
      case FLOAT32:
        return ((float[]) values).clone();
      case INT32: {
        int[] ints = (int[]) values;
        float[] out = new float[ints.length];
        for (int i = 0; i < out.length; i++) {
          out[i] = ints[i];
        }
        return out;
      }
      default:
        throw new IllegalStateException("these values are int64, not float");
    }
  }

  /** The index of the first NaN or infinite value (row-major), or -1; integer values are always finite. */
  public int indexOfNonFinite() {
    if (dtype != DType.FLOAT32) {
      return -1;
    }
    float[] v = (float[]) values;
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        return i;
      }
    }
    return -1;
  }

  /** A copy of the integer labels. */
  public int[] ints() {
    if (dtype != DType.INT32) {
      throw new IllegalStateException("these values are " + name(dtype) + ", not integer labels");
    }
    return ((int[]) values).clone();
  }

  /** A copy of the int64 values. */
  public long[] longs() {
    if (dtype != DType.INT64) {
      throw new IllegalStateException("these values are " + name(dtype) + ", not int64");
    }
    return ((long[]) values).clone();
  }

  /** Examples {@code from} (inclusive) to {@code to} (exclusive). */
  public HostArray slice(int from, int to) {
    if (from < 0 || to < from || to > examples()) {
      throw new IllegalArgumentException("slice [" + from + ", " + to + ") is outside the " + examples() + " examples");
    }
    int[] idx = new int[to - from];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = from + i;
    }
    return gather(idx);
  }

  /** The examples at {@code indices}, in that order. */
  public HostArray gather(int[] indices) {
    int size = exampleSize();
    int examples = examples();
    for (int i : indices) {
      if (i < 0 || i >= examples) {
        throw new IllegalArgumentException("example index " + i + " is outside the " + examples + " examples");
      }
    }
    long[] s = shape.clone();
    s[0] = indices.length;
    Object out = java.lang.reflect.Array.newInstance(values.getClass().getComponentType(), indices.length * size);
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(values, indices[i] * size, out, i * size, size);
    }
    return new HostArray(dtype, out, s, true);
  }

  /** A new tensor holding these values; the caller closes it. */
  public Tensor toTensor() {
    // May be a process's first TF use: the oneDNN switch must be set before TF loads.
    dev.topiary.ops.TensorFlowRuntime.requireSupported();
    Shape s = Shape.of(shape);
    return switch (dtype) {
      case FLOAT32 -> TFloat32.tensorOf(s, DataBuffers.of((float[]) values, true, false));
      case INT32 -> TInt32.tensorOf(s, DataBuffers.of((int[]) values, true, false));
      case INT64 -> TInt64.tensorOf(s, DataBuffers.of((long[]) values, true, false));
    };
  }

  /** Reads a float tensor of outputs into a new HostArray; a scalar becomes one example. */
  public static HostArray fromTensor(TFloat32 tensor) {
    long[] s = tensor.shape().asArray();
    return ofFloats(floatValues(tensor), s.length == 0 ? new long[] {1} : s);
  }

  /** An exact copy of a float32, int32 or int64 tensor: same element type and shape, scalars kept. */
  public static HostArray copyOf(Tensor tensor) {
    long[] shape = tensor.shape().asArray();
    BinaryFormat.elementCount(shape);
    if (tensor instanceof TFloat32 f) {
      return new HostArray(DType.FLOAT32, floatValues(f), shape, false);
    }
    if (tensor instanceof TInt32 i) {
      int[] v = new int[Math.toIntExact(i.size())];
      i.copyTo(DataBuffers.of(v, false, false));
      return new HostArray(DType.INT32, v, shape, false);
    }
    if (tensor instanceof TInt64 l) {
      long[] v = new long[Math.toIntExact(l.size())];
      l.copyTo(DataBuffers.of(v, false, false));
      return new HostArray(DType.INT64, v, shape, false);
    }
    throw new IllegalArgumentException("host arrays are float32, int32 or int64, got " + tensor.dataType());
  }

  private static float[] floatValues(TFloat32 tensor) {
    float[] values = new float[Math.toIntExact(tensor.size())];
    tensor.copyTo(DataBuffers.of(values, false, false));
    return values;
  }

  /** Examples joined along the first dimension. */
  public static HostArray concat(List<HostArray> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to concatenate");
    }
    HostArray first = parts.get(0);
    long[] s = first.shape();
    s[0] = parts.stream().mapToLong(HostArray::examples).sum();
    Object out = java.lang.reflect.Array.newInstance(first.values.getClass().getComponentType(),
        Math.toIntExact(parts.stream().mapToLong(HostArray::length).sum()));
    int at = 0;
    for (HostArray p : parts) {
      if (p.dtype != first.dtype || !Arrays.equals(p.exampleShape(), first.exampleShape())) {
        throw new IllegalArgumentException("cannot join " + p + " to " + first);
      }
      System.arraycopy(p.values, 0, out, at, p.length());
      at += p.length();
    }
    return new HostArray(first.dtype, out, s, true);
  }

  /** Same element type and shape as {@code other}. */
  public boolean sameTypeAs(HostArray other) {
    return dtype == other.dtype && Arrays.equals(shape, other.shape);
  }

  /** Bit-exact equality of type, shape and values (NaN payloads and the sign of zero included). */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof HostArray a) || !sameTypeAs(a)) {
      return false;
    }
    return switch (dtype) {
      case FLOAT32 -> {
        float[] x = (float[]) values;
        float[] y = (float[]) a.values;
        for (int i = 0; i < x.length; i++) {
          if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
            yield false;
          }
        }
        yield true;
      }
      case INT32 -> Arrays.equals((int[]) values, (int[]) a.values);
      case INT64 -> Arrays.equals((long[]) values, (long[]) a.values);
    };
  }

  @Override
  public int hashCode() {
    int h = switch (dtype) {
      case FLOAT32 -> Arrays.hashCode((float[]) values);
      case INT32 -> Arrays.hashCode((int[]) values);
      case INT64 -> Arrays.hashCode((long[]) values);
    };
    return 31 * Arrays.hashCode(shape) + h;
  }

  private static String name(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> "float";
      case INT32 -> "int";
      case INT64 -> "int64";
    };
  }

  @Override
  public String toString() {
    return "HostArray(" + name(dtype) + Arrays.toString(shape) + ")";
  }

  /** {@code float32[2, 3]}: the element type and shape, as state error messages name them. */
  public String typeName() {
    return dtype.name().toLowerCase(Locale.ROOT) + Arrays.toString(shape);
  }
}
