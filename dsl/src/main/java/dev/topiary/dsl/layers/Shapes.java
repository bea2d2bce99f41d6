package dev.topiary.dsl.layers;

import java.util.StringJoiner;
import org.tensorflow.ndarray.Shape;

/** Shape helpers: Keras-style formatting with the batch dimension as None. */
public final class Shapes {
  private Shapes() {}

  /** {@code (None, 26, 26, 12)}. */
  public static String format(Shape shape) {
    StringJoiner j = new StringJoiner(", ", "(", shape.numDimensions() == 1 ? ",)" : ")");
    for (long d : shape.asArray()) {
      j.add(d < 0 ? "None" : Long.toString(d));
    }
    return j.toString();
  }

  /** A shape with an unknown batch dimension followed by {@code dims}. */
  public static Shape batchOf(long... dims) {
    long[] all = new long[dims.length + 1];
    all[0] = Shape.UNKNOWN_SIZE;
    System.arraycopy(dims, 0, all, 1, dims.length);
    return Shape.of(all);
  }

  /** The dimensions after the batch dimension. */
  public static long[] withoutBatch(Shape shape) {
    long[] all = shape.asArray();
    long[] out = new long[all.length - 1];
    System.arraycopy(all, 1, out, 0, out.length);
    return out;
  }

  /** Number of elements of one example (product of the non-batch dimensions). */
  public static long exampleSize(Shape shape) {
    long size = 1;
    for (long d : withoutBatch(shape)) {
      size *= d;
    }
    return size;
  }

  /**
   * Zeros TF puts before the data along one dimension: SAME pads to keep {@code ceil(in / stride)}
   * outputs and puts the odd padding element after the data; VALID pads nothing.
   */
  public static long windowPadBefore(long in, long window, long stride, long dilation, Padding padding) {
    if (padding != Padding.SAME) {
      return 0;
    }
    long effective = (window - 1) * dilation + 1;
    long out = windowOutput(in, window, stride, dilation, padding);
    return Math.max((out - 1) * stride + effective - in, 0) / 2;
  }

  /** Output length of a convolution or pooling window along one dimension. */
  public static long windowOutput(long in, long window, long stride, long dilation, Padding padding) {
    if (padding == Padding.SAME) {
      return (in + stride - 1) / stride;
    }
    long effective = (window - 1) * dilation + 1;
    return in < effective ? 0 : (in - effective) / stride + 1;
  }
}
