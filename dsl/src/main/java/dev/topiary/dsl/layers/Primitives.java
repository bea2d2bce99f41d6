package dev.topiary.dsl.layers;

import java.util.List;

/**
 * The small op set a {@link LoweredLayer} describes its inference math in, as Keras 3 layers call
 * {@code keras.ops} and each back end implements the ops, not the layers. Three back ends implement it:
 * TF ops (graph and eager, with gradients), TFLite builtin operators ({@code tflite}) and plain Java over
 * float arrays (the sparse runtime). A layer written against these runs in all of them without any
 * back-end code of its own; see {@code docs/architecture.md} for why the big layers (Dense, Conv2D,
 * recurrent, attention) keep hand-written lowerings.
 *
 * <p>Values are batches: {@link #shape} is one example's shape (batch excluded). Axes count the batch as
 * axis 0, as Keras does, and negative axes count from the last; the batch axis is never reduced, padded
 * or reshaped. Binary ops broadcast as NumPy does (trailing axes aligned; a constant or weight has no
 * batch axis and broadcasts over it).
 *
 * @param <T> the back end's handle of a value
 */
public interface Primitives<T> {

  /** Element-wise functions of one value. */
  enum Unary { NEGATE, ABS, SQUARE, SQRT, RSQRT, EXP, LOG }

  /** Element-wise functions of two values, broadcasting; {@code GREATER} gives 1 where a &gt; b, else 0. */
  enum Binary { ADD, SUBTRACT, MULTIPLY, DIVIDE, MAXIMUM, MINIMUM, GREATER }

  /** Reductions over example axes. */
  enum Reduce { MEAN, MAX }

  /** One example's shape of {@code x} (batch excluded). */
  int[] shape(T x);

  /** The layer's weight {@code name} (one of its {@link Layer#weights}) as this back end holds it. */
  T weight(String name);

  /** A constant of {@code shape} (no batch axis), row-major {@code values}. */
  T constant(float[] values, int... shape);

  /** A scalar constant. */
  default T scalar(float value) {
    return constant(new float[] {value});
  }

  /** One of the built-in activations (softmax over the last axis). */
  T activation(Activation a, T x);

  T unary(Unary op, T x);

  T binary(Binary op, T a, T b);

  /** Reduces {@code axes} (batch = 0, negatives from the end), keeping them as size 1 if {@code keepDims}. */
  T reduce(Reduce op, T x, int[] axes, boolean keepDims);

  /** The same values as one example of {@code exampleShape} (the element count must match). */
  T reshape(T x, int... exampleShape);

  /** Zeros before and after each example axis ({@code before[i]}, {@code after[i]} for example axis i). */
  T pad(T x, int[] before, int[] after);

  /** Joins values along {@code axis} (batch = 0; negatives from the end). */
  T concat(List<T> xs, int axis);

  /** Each example cut to {@code [begin[i], begin[i] + size[i])} along example axis i (cropping). */
  T slice(T x, int[] begin, int[] size);

  /** Example axes reordered: example axis i of the result is example axis {@code perm[i]} of {@code x}. */
  T transpose(T x, int... perm);

  /** Each example repeated whole {@code multiples[i]} times along example axis i (TF's Tile). */
  T tile(T x, int... multiples);

  /**
   * Every element repeated {@code times} times in place along example axis {@code axis} (0-based),
   * as nearest-neighbour upsampling does: {@code [a, b]} twice is {@code [a, a, b, b]}. Made of
   * {@link #reshape} and {@link #tile}: a unit axis after {@code axis}, tiled, folded back.
   */
  default T repeat(T x, int axis, int times) {
    int[] in = shape(x);
    int[] expanded = new int[in.length + 1];
    int[] multiples = new int[in.length + 1];
    for (int d = 0, e = 0; d < in.length; d++) {
      expanded[e] = in[d];
      multiples[e++] = 1;
      if (d == axis) {
        expanded[e] = 1;
        multiples[e++] = times;
      }
    }
    int[] out = in.clone();
    out[axis] *= times;
    return reshape(tile(reshape(x, expanded), multiples), out);
  }

  default T add(T a, T b) {
    return binary(Binary.ADD, a, b);
  }

  default T subtract(T a, T b) {
    return binary(Binary.SUBTRACT, a, b);
  }

  default T multiply(T a, T b) {
    return binary(Binary.MULTIPLY, a, b);
  }

  /**
   * The example axis of {@code axis} for values of example rank {@code exampleRank} (batch = 0, negatives
   * from the end), for back ends.
   *
   * @throws IllegalArgumentException for the batch axis or an axis out of range
   */
  static int exampleAxis(int axis, int exampleRank) {
    int a = axis < 0 ? axis + exampleRank + 1 : axis;
    if (a <= 0 || a > exampleRank) {
      throw new IllegalArgumentException("axis " + axis + " is " + (a == 0 ? "the batch axis" : "out of range")
          + " for values of rank " + (exampleRank + 1) + " (batch included)");
    }
    return a - 1;
  }

  /** Checks a {@link #slice} of an example of shape {@code in}, for back ends. */
  static void checkSlice(int[] in, int[] begin, int[] size) {
    if (begin.length != in.length || size.length != in.length) {
      throw new IllegalArgumentException("slice of an example of shape " + java.util.Arrays.toString(in) + " needs "
          + in.length + " begin and size values, got " + begin.length + " and " + size.length);
    }
    for (int d = 0; d < in.length; d++) {
      if (begin[d] < 0 || size[d] < 1 || begin[d] + size[d] > in[d]) {
        throw new IllegalArgumentException("slice [" + begin[d] + ", " + (begin[d] + size[d]) + ") of example axis " + d
            + " is outside its size " + in[d]);
      }
    }
  }

  /** Checks a {@link #transpose} permutation of an example of rank {@code rank} and returns the output shape. */
  static int[] transposed(int[] in, int[] perm) {
    int[] sorted = perm.clone();
    java.util.Arrays.sort(sorted);
    boolean permutation = sorted.length == in.length;
    for (int d = 0; permutation && d < sorted.length; d++) {
      permutation = sorted[d] == d;
    }
    if (!permutation) {
      throw new IllegalArgumentException("transpose of an example of rank " + in.length + " needs a permutation of 0.."
          + (in.length - 1) + ", got " + java.util.Arrays.toString(perm));
    }
    int[] out = new int[in.length];
    for (int d = 0; d < in.length; d++) {
      out[d] = in[perm[d]];
    }
    return out;
  }

  /** Checks {@link #tile} multiples for an example of shape {@code in} and returns the output shape. */
  static int[] tiled(int[] in, int[] multiples) {
    if (multiples.length != in.length) {
      throw new IllegalArgumentException("tile of an example of rank " + in.length + " needs " + in.length
          + " multiples, got " + java.util.Arrays.toString(multiples));
    }
    int[] out = new int[in.length];
    for (int d = 0; d < in.length; d++) {
      if (multiples[d] < 1) {
        throw new IllegalArgumentException("tile multiples must be >= 1, got " + java.util.Arrays.toString(multiples));
      }
      out[d] = Math.multiplyExact(in[d], multiples[d]);
    }
    return out;
  }

  /** Broadcast example shape of {@code a} and {@code b} (NumPy rules, trailing axes aligned), for back ends. */
  static int[] broadcast(int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException("shapes " + java.util.Arrays.toString(a) + " and " + java.util.Arrays.toString(b)
            + " do not broadcast");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }
}
