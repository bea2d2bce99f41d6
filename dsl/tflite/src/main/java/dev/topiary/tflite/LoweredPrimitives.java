package dev.topiary.tflite;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Primitives;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Primitives} as TFLite builtin operators: a {@link dev.topiary.dsl.layers.LoweredLayer}'s
 * lowering written into the graph, one builtin (or two: GREATER then CAST) per primitive. Tensors carry a
 * batch axis of 1 (the signature's -1) unless they are constants, which TFLite broadcasts like NumPy.
 */
final class LoweredPrimitives implements Primitives<Integer> {
  /** What the writer gives a lowering: the graph, tensor naming and the layer's stripped weights. */
  interface Host {
    TfliteGraph graph();

    /** A float constant named {@code name}. */
    int constant(String name, float[] values, int[] shape);

    /** An int32 vector constant. */
    int ints(String name, int[] values);

    /** The layer's weight {@code weight}'s values and shape. */
    float[] weightValues(String weight);

    int[] weightShape(String weight);

    /** The ops of a separate (non-fused) activation on {@code x} into {@code out}; false if TFLite has none. */
    boolean activation(Activation a, int x, int out);
  }

  private final Host host;
  private final String prefix;
  /** Example shape of every tensor made or read here, and whether it has the batch axis. */
  private final Map<Integer, int[]> shapes = new HashMap<>();
  private final Map<Integer, Boolean> batched = new HashMap<>();
  private int count;

  LoweredPrimitives(Host host, String prefix) {
    this.host = host;
    this.prefix = prefix;
  }

  /** Declares an input tensor of the layer, of example shape {@code shape}. */
  int input(int tensor, int[] shape) {
    shapes.put(tensor, shape.clone());
    batched.put(tensor, true);
    return tensor;
  }

  boolean isBatched(int tensor) {
    return batched.getOrDefault(tensor, false);
  }

  private int tensor(String what, int[] shape, boolean withBatch) {
    int[] dims = withBatch ? prepend(1, shape) : shape.clone();
    int[] signature = withBatch ? prepend(-1, shape) : null;
    int t = host.graph().add(new TfliteGraph.Tensor(prefix + "_" + what + "_" + count++, dims, signature, Schema.FLOAT32,
        null, null, null));
    shapes.put(t, shape.clone());
    batched.put(t, withBatch);
    return t;
  }

  private static int[] prepend(int first, int[] shape) {
    int[] out = new int[shape.length + 1];
    out[0] = first;
    System.arraycopy(shape, 0, out, 1, shape.length);
    return out;
  }

  private int op(int builtin, int[] inputs, int[] shape, boolean withBatch, String what) {
    int out = tensor(what, shape, withBatch);
    host.graph().op(builtin, 1, inputs, new int[] {out}, TfliteGraph.Options.NONE);
    return out;
  }

  @Override
  public int[] shape(Integer x) {
    return shapes.get(x).clone();
  }

  @Override
  public Integer weight(String name) {
    int t = host.constant(prefix + "_" + name, host.weightValues(name), host.weightShape(name));
    shapes.put(t, host.weightShape(name));
    batched.put(t, false);
    return t;
  }

  @Override
  public Integer constant(float[] values, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException("constant of shape " + Arrays.toString(shape) + " needs " + n + " values, got "
          + values.length);
    }
    int t = host.constant(prefix + "_const_" + count++, values.clone(), shape.clone());
    shapes.put(t, shape.clone());
    batched.put(t, false);
    return t;
  }

  @Override
  public Integer activation(Activation a, Integer x) {
    if (a == Activation.LINEAR) {
      return x;
    }
    if (a == Activation.RELU || a == Activation.RELU6) {
      return op(a == Activation.RELU ? Schema.RELU : Schema.RELU6, new int[] {x}, shape(x), isBatched(x), a.kerasName());
    }
    int out = tensor(a.kerasName(), shape(x), isBatched(x));
    if (!host.activation(a, x, out)) {
      throw new IllegalArgumentException("activation '" + a.kerasName() + "' has no TFLite builtin");
    }
    return out;
  }

  @Override
  public Integer unary(Unary op, Integer x) {
    int builtin = switch (op) {
      case NEGATE -> Schema.NEG;
      case ABS -> Schema.ABS;
      case SQUARE -> Schema.SQUARE;
      case SQRT -> Schema.SQRT;
      case RSQRT -> Schema.RSQRT;
      case EXP -> Schema.EXP;
      case LOG -> Schema.LOG;
    };
    return op(builtin, new int[] {x}, shape(x), isBatched(x), op.name().toLowerCase(java.util.Locale.ROOT));
  }

  @Override
  public Integer binary(Binary op, Integer a, Integer b) {
    int[] shape = Primitives.broadcast(shape(a), shape(b));
    boolean withBatch = isBatched(a) || isBatched(b);
    String what = op.name().toLowerCase(java.util.Locale.ROOT);
    if (op == Binary.GREATER) {
      int[] dims = withBatch ? prepend(1, shape) : shape;
      int bool = host.graph().add(new TfliteGraph.Tensor(prefix + "_greater_" + count++, dims,
          withBatch ? prepend(-1, shape) : null, Schema.BOOL, null, null, null));
      host.graph().op(Schema.GREATER, 1, new int[] {a, b}, new int[] {bool}, TfliteGraph.Options.NONE);
      int out = tensor("greater_float", shape, withBatch);
      host.graph().op(Schema.CAST, 1, new int[] {bool}, new int[] {out}, new TfliteGraph.Options(Schema.OPT_CAST,
          Schema.Cast.FIELDS, List.of(new TfliteGraph.Field(Schema.Cast.IN_TYPE, 'b', Schema.BOOL),
              new TfliteGraph.Field(Schema.Cast.OUT_TYPE, 'b', Schema.FLOAT32))));
      return out;
    }
    int builtin = switch (op) {
      case ADD -> Schema.ADD;
      case SUBTRACT -> Schema.SUB;
      case MULTIPLY -> Schema.MUL;
      case DIVIDE -> Schema.DIV;
      case MAXIMUM -> Schema.MAXIMUM;
      case MINIMUM -> Schema.MINIMUM;
      case GREATER -> throw new IllegalStateException();
    };
    return op(builtin, new int[] {a, b}, shape, withBatch, what);
  }

  @Override
  public Integer reduce(Reduce op, Integer x, int[] axes, boolean keepDims) {
    int[] in = shape(x);
    boolean[] reduced = new boolean[in.length];
    int[] full = new int[axes.length];
    for (int i = 0; i < axes.length; i++) {
      int a = Primitives.exampleAxis(axes[i], in.length);
      reduced[a] = true;
      full[i] = a + (isBatched(x) ? 1 : 0);
    }
    List<Integer> dims = new ArrayList<>();
    for (int d = 0; d < in.length; d++) {
      if (!reduced[d]) {
        dims.add(in[d]);
      } else if (keepDims) {
        dims.add(1);
      }
    }
    int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
    int axesTensor = host.ints(prefix + "_axes_" + count++, full);
    int out = tensor(op.name().toLowerCase(java.util.Locale.ROOT), shape, isBatched(x));
    host.graph().op(op == Reduce.MEAN ? Schema.MEAN : Schema.REDUCE_MAX, 1, new int[] {x, axesTensor}, new int[] {out},
        new TfliteGraph.Options(Schema.OPT_REDUCER, Schema.Reducer.FIELDS,
            List.of(new TfliteGraph.Field(Schema.Reducer.KEEP_DIMS, 'z', keepDims ? 1 : 0))));
    return out;
  }

  @Override
  public Integer reshape(Integer x, int... exampleShape) {
    int[] target = isBatched(x) ? prepend(-1, exampleShape) : exampleShape.clone();
    int shapeTensor = host.ints(prefix + "_shape_" + count++, target);
    return op(Schema.RESHAPE, new int[] {x, shapeTensor}, exampleShape, isBatched(x), "reshape");
  }

  @Override
  public Integer pad(Integer x, int[] before, int[] after) {
    int[] in = shape(x);
    if (before.length != in.length || after.length != in.length) {
      throw new IllegalArgumentException("pad needs " + in.length + " before/after sizes, got " + before.length + "/"
          + after.length);
    }
    int off = isBatched(x) ? 1 : 0;
    int[] paddings = new int[2 * (in.length + off)];
    int[] shape = new int[in.length];
    for (int d = 0; d < in.length; d++) {
      paddings[2 * (d + off)] = before[d];
      paddings[2 * (d + off) + 1] = after[d];
      shape[d] = in[d] + before[d] + after[d];
    }
    int padTensor = host.graph().add(new TfliteGraph.Tensor(prefix + "_paddings_" + count++,
        new int[] {in.length + off, 2}, null, Schema.INT32, WeightEncoding.intBytes(paddings), null, null));
    return op(Schema.PAD, new int[] {x, padTensor}, shape, isBatched(x), "pad");
  }

  @Override
  public Integer concat(List<Integer> xs, int axis) {
    int[] first = shape(xs.get(0));
    int a = Primitives.exampleAxis(axis, first.length);
    int[] shape = first.clone();
    shape[a] = 0;
    for (int x : xs) {
      shape[a] += shape(x)[a];
    }
    int out = tensor("concat", shape, true);
    host.graph().op(Schema.CONCATENATION, 1, xs.stream().mapToInt(Integer::intValue).toArray(), new int[] {out},
        new TfliteGraph.Options(Schema.OPT_CONCATENATION, Schema.Concatenation.FIELDS,
            List.of(new TfliteGraph.Field(Schema.Concatenation.AXIS, 'i', a + 1))));
    return out;
  }

  @Override
  public Integer slice(Integer x, int[] begin, int[] size) {
    Primitives.checkSlice(shape(x), begin, size);
    boolean batched = isBatched(x);
    int beginTensor = host.ints(prefix + "_begin_" + count++, batched ? prepend(0, begin) : begin.clone());
    int sizeTensor = host.ints(prefix + "_size_" + count++, batched ? prepend(-1, size) : size.clone());
    return op(Schema.SLICE, new int[] {x, beginTensor, sizeTensor}, size, batched, "slice");
  }

  @Override
  public Integer transpose(Integer x, int... perm) {
    int[] shape = Primitives.transposed(shape(x), perm);
    boolean batched = isBatched(x);
    int[] full = batched ? new int[perm.length + 1] : perm.clone();
    if (batched) {
      for (int d = 0; d < perm.length; d++) {
        full[d + 1] = perm[d] + 1;
      }
    }
    int permTensor = host.ints(prefix + "_perm_" + count++, full);
    return op(Schema.TRANSPOSE, new int[] {x, permTensor}, shape, batched, "transpose");
  }

  @Override
  public Integer tile(Integer x, int... multiples) {
    int[] shape = Primitives.tiled(shape(x), multiples);
    boolean batched = isBatched(x);
    int multiplesTensor = host.ints(prefix + "_multiples_" + count++, batched ? prepend(1, multiples) : multiples.clone());
    return op(Schema.TILE, new int[] {x, multiplesTensor}, shape, batched, "tile");
  }
}
