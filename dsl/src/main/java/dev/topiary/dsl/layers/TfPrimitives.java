package dev.topiary.dsl.layers;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/** {@link Primitives} as TF ops, for graph and eager models alike (the context's {@code Ops}). */
final class TfPrimitives implements Primitives<Operand<TFloat32>> {
  private final LayerContext context;
  private final Ops tf;

  TfPrimitives(LayerContext context) {
    this.context = context;
    this.tf = context.tf();
  }

  @Override
  public int[] shape(Operand<TFloat32> x) {
    long[] dims = x.shape().asArray();
    int[] out = new int[dims.length - 1];
    for (int i = 1; i < dims.length; i++) {
      out[i - 1] = (int) dims[i];
    }
    return out;
  }

  @Override
  public Operand<TFloat32> weight(String name) {
    return context.weight(name);
  }

  @Override
  public Operand<TFloat32> constant(float[] values, int... shape) {
    long[] dims = new long[shape.length];
    long size = 1;
    for (int i = 0; i < shape.length; i++) {
      dims[i] = shape[i];
      size *= shape[i];
    }
    if (size != values.length) {
      throw new IllegalArgumentException("constant of shape " + java.util.Arrays.toString(shape) + " needs " + size
          + " values, got " + values.length);
    }
    return tf.constant(Shape.of(dims), DataBuffers.of(values.clone(), true, false));
  }

  @Override
  public Operand<TFloat32> activation(Activation a, Operand<TFloat32> x) {
    return a.apply(tf, x);
  }

  @Override
  public Operand<TFloat32> unary(Unary op, Operand<TFloat32> x) {
    return switch (op) {
      case NEGATE -> tf.math.neg(x);
      case ABS -> tf.math.abs(x);
      case SQUARE -> tf.math.square(x);
      case SQRT -> tf.math.sqrt(x);
      case RSQRT -> tf.math.rsqrt(x);
      case EXP -> tf.math.exp(x);
      case LOG -> tf.math.log(x);
    };
  }

  @Override
  public Operand<TFloat32> binary(Binary op, Operand<TFloat32> a, Operand<TFloat32> b) {
    return switch (op) {
      case ADD -> tf.math.add(a, b);
      case SUBTRACT -> tf.math.sub(a, b);
      case MULTIPLY -> tf.math.mul(a, b);
      case DIVIDE -> tf.math.div(a, b);
      case MAXIMUM -> tf.math.maximum(a, b);
      case MINIMUM -> tf.math.minimum(a, b);
      case GREATER -> tf.dtypes.cast(tf.math.greater(a, b), TFloat32.class);
    };
  }

  @Override
  public Operand<TFloat32> reduce(Reduce op, Operand<TFloat32> x, int[] axes, boolean keepDims) {
    int rank = x.shape().numDimensions() - 1;
    int[] full = new int[axes.length];
    for (int i = 0; i < axes.length; i++) {
      full[i] = Primitives.exampleAxis(axes[i], rank) + 1;
    }
    return switch (op) {
      case MEAN -> tf.math.mean(x, tf.constant(full), Mean.keepDims(keepDims));
      case MAX -> tf.max(x, tf.constant(full), Max.keepDims(keepDims));
    };
  }

  @Override
  public Operand<TFloat32> reshape(Operand<TFloat32> x, int... exampleShape) {
    long[] dims = new long[exampleShape.length + 1];
    dims[0] = -1;
    for (int i = 0; i < exampleShape.length; i++) {
      dims[i + 1] = exampleShape[i];
    }
    return tf.reshape(x, tf.constant(dims));
  }

  @Override
  public Operand<TFloat32> pad(Operand<TFloat32> x, int[] before, int[] after) {
    int rank = x.shape().numDimensions() - 1;
    if (before.length != rank || after.length != rank) {
      throw new IllegalArgumentException("pad needs " + rank + " before/after sizes, got " + before.length + "/" + after.length);
    }
    int[][] paddings = new int[rank + 1][2];
    for (int i = 0; i < rank; i++) {
      paddings[i + 1][0] = before[i];
      paddings[i + 1][1] = after[i];
    }
    return tf.pad(x, tf.constant(paddings), tf.constant(0f));
  }

  @Override
  public Operand<TFloat32> concat(List<Operand<TFloat32>> xs, int axis) {
    int full = Primitives.exampleAxis(axis, xs.get(0).shape().numDimensions() - 1) + 1;
    return tf.concat(new ArrayList<>(xs), tf.constant(full));
  }

  @Override
  public Operand<TFloat32> slice(Operand<TFloat32> x, int[] begin, int[] size) {
    Primitives.checkSlice(shape(x), begin, size);
    // int32 begin and size: TF's Slice gradient subtracts them from an int32 shape.
    return tf.slice(x, tf.constant(withBatch(0, begin)), tf.constant(withBatch(-1, size)));
  }

  @Override
  public Operand<TFloat32> transpose(Operand<TFloat32> x, int... perm) {
    Primitives.transposed(shape(x), perm);
    int[] full = new int[perm.length + 1];
    for (int d = 0; d < perm.length; d++) {
      full[d + 1] = perm[d] + 1;
    }
    return tf.linalg.transpose(x, tf.constant(full));
  }

  @Override
  public Operand<TFloat32> tile(Operand<TFloat32> x, int... multiples) {
    Primitives.tiled(shape(x), multiples);
    return tf.tile(x, tf.constant(withBatch(1, multiples)));
  }

  /** {@code values} for the example axes, {@code batch} first for the batch axis. */
  private static int[] withBatch(int batch, int[] values) {
    int[] out = new int[values.length + 1];
    out[0] = batch;
    System.arraycopy(values, 0, out, 1, values.length);
    return out;
  }
}
