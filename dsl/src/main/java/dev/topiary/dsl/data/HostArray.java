package dev.topiary.dsl.data;

import dev.topiary.dsl.export.BinaryFormat;
import java.util.Arrays;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Examples held in Java memory: float features or int labels, row-major, first dimension = examples.
 * Immutable; batches are copies, turned into tensors only for the duration of one run.
 */
public final class HostArray {
  private final float[] floats;
  private final int[] ints;
  private final long[] shape;

  private HostArray(float[] floats, int[] ints, long[] shape) {
    this.floats = floats;
    this.ints = ints;
    this.shape = shape;
    // Validated before anything else: no tensor of an invalid shape may ever reach TensorFlow, whose
    // shape checks abort the process.
    int size = BinaryFormat.elementCount(shape);
    int length = floats != null ? floats.length : ints.length;
    if (shape.length == 0 || size != length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size + " values but "
          + length + " were given" + (shape.length == 0 ? " (the first dimension counts examples)" : ""));
    }
  }

  /** Float values of {@code shape} (first dimension: examples). The array is copied. */
  public static HostArray of(float[] values, long... shape) {
    return new HostArray(values.clone(), null, shape.clone());
  }

  /** Integer values (class labels) of {@code shape}; a single dimension by default. */
  public static HostArray ofLabels(int[] labels, long... shape) {
    long[] s = shape.length == 0 ? new long[] {labels.length} : shape.clone();
    return new HostArray(null, labels.clone(), s);
  }

  public boolean isIntegral() {
    return ints != null;
  }

  public int examples() {
    return (int) shape[0];
  }

  public long[] shape() {
    return shape.clone();
  }

  /** The shape of one example. */
  public long[] exampleShape() {
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  private int exampleSize() {
    return shape[0] == 0 ? 0 : (floats != null ? floats.length : ints.length) / (int) shape[0];
  }

  /** A copy of the float values. */
  public float[] floats() {
    if (floats == null) {
      float[] out = new float[ints.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = ints[i];
      }
      return out;
    }
    return floats.clone();
  }

  /** A copy of the integer values. */
  public int[] ints() {
    if (ints == null) {
      throw new IllegalStateException("these values are float, not integer labels");
    }
    return ints.clone();
  }

  /** Examples {@code from} (inclusive) to {@code to} (exclusive). */
  public HostArray slice(int from, int to) {
    if (from < 0 || to < from || to > shape[0]) {
      throw new IllegalArgumentException("slice [" + from + ", " + to + ") is outside the " + shape[0] + " examples");
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
    for (int i : indices) {
      if (i < 0 || i >= shape[0]) {
        throw new IllegalArgumentException("example index " + i + " is outside the " + shape[0] + " examples");
      }
    }
    long[] s = shape.clone();
    s[0] = indices.length;
    if (floats != null) {
      float[] out = new float[indices.length * size];
      for (int i = 0; i < indices.length; i++) {
        System.arraycopy(floats, indices[i] * size, out, i * size, size);
      }
      return new HostArray(out, null, s);
    }
    int[] out = new int[indices.length * size];
    for (int i = 0; i < indices.length; i++) {
      System.arraycopy(ints, indices[i] * size, out, i * size, size);
    }
    return new HostArray(null, out, s);
  }

  /** A new tensor holding these values; the caller closes it. */
  public Tensor toTensor() {
    Shape s = Shape.of(shape);
    return floats != null
        ? TFloat32.tensorOf(s, DataBuffers.of(floats, true, false))
        : TInt32.tensorOf(s, DataBuffers.of(ints, true, false));
  }

  /** Reads a float tensor into a new HostArray. */
  public static HostArray fromTensor(TFloat32 tensor) {
    float[] values = new float[Math.toIntExact(tensor.size())];
    tensor.copyTo(DataBuffers.of(values, false, false));
    long[] s = tensor.shape().asArray();
    return new HostArray(values, null, s.length == 0 ? new long[] {1} : s);
  }

  /** Examples joined along the first dimension. */
  public static HostArray concat(java.util.List<HostArray> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to concatenate");
    }
    HostArray first = parts.get(0);
    long[] s = first.shape();
    s[0] = parts.stream().mapToLong(p -> p.shape[0]).sum();
    if (first.floats != null) {
      float[] out = new float[Math.toIntExact(parts.stream().mapToLong(p -> p.floats.length).sum())];
      int at = 0;
      for (HostArray p : parts) {
        System.arraycopy(p.floats, 0, out, at, p.floats.length);
        at += p.floats.length;
      }
      return new HostArray(out, null, s);
    }
    int[] out = new int[Math.toIntExact(parts.stream().mapToLong(p -> p.ints.length).sum())];
    int at = 0;
    for (HostArray p : parts) {
      System.arraycopy(p.ints, 0, out, at, p.ints.length);
      at += p.ints.length;
    }
    return new HostArray(null, out, s);
  }

  @Override
  public String toString() {
    return "HostArray(" + (floats != null ? "float" : "int") + Arrays.toString(shape) + ")";
  }
}
