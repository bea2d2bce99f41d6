package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.Primitives;
import dev.topiary.sparse.exec.Activations;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link Primitives} in plain Java: a {@link LoweredLayer}'s lowering becomes a list of steps over float
 * arrays, each filling one slot from earlier slots (inputs first, then constants and weights, then
 * results), so any layer described in primitives runs in a sparse model without code of its own.
 * Element-wise steps are plain loops; broadcasting, reductions, padding and joins walk indices (these
 * layers are cheap next to the products, which keep their own kernels).
 */
final class LoweredOps implements Primitives<LoweredOps.Sym> {
  /** A value of the lowering: its slot, one example's shape, and whether it has a batch axis (constants do not). */
  record Sym(int slot, int[] shape, boolean batched) {
    int size() {
      return LoweredOps.size(shape);
    }
  }

  /** Computes one slot from the earlier ones, for a batch of {@code batch} examples. */
  private interface Step {
    Value run(Value[] slots, int batch);
  }

  private final Weights weights;
  private final int inputs;
  /** What fills slot {@code inputs + i}: a fixed {@link Value} (constant, weight) or a {@link Step}. */
  private final List<Object> created = new ArrayList<>();

  private LoweredOps(Weights weights, int inputs) {
    this.weights = weights;
    this.inputs = inputs;
  }

  /** The layer's lowering as one op. */
  static LayerOp translate(LoweredLayer layer, List<int[]> inShapes, int[] outShape, Weights weights) {
    LoweredOps ops = new LoweredOps(weights, inShapes.size());
    List<Sym> in = new ArrayList<>();
    for (int i = 0; i < inShapes.size(); i++) {
      in.add(new Sym(i, inShapes.get(i).clone(), true));
    }
    Sym out = layer.lower(ops, in);
    if (!out.batched() || !Arrays.equals(out.shape(), outShape)) {
      throw new IllegalArgumentException("layer '" + weights.layerName() + "': its lowering gives "
          + (out.batched() ? "examples of shape " + Arrays.toString(out.shape()) : "a constant")
          + ", its output shape is " + Arrays.toString(outShape));
    }
    Object[] fill = ops.created.toArray();
    int first = ops.inputs;
    return (values, exec) -> {
      Value[] slots = new Value[first + fill.length];
      for (int i = 0; i < first; i++) {
        slots[i] = values.get(i);
      }
      int batch = values.get(0).batch();
      for (int i = 0; i < fill.length; i++) {
        slots[first + i] = fill[i] instanceof Value v ? v : ((Step) fill[i]).run(slots, batch);
      }
      Value y = slots[out.slot()];
      return List.of(new Value(y.data(), batch, outShape, mask(layer, values, outShape)));
    };
  }

  /**
   * The output's mask: Add, Subtract and Average OR their inputs' masks when every input has one (Keras 3);
   * other layers keep the first input's when they keep its shape (normalization, activations).
   */
  private static boolean @org.jspecify.annotations.Nullable [] mask(LoweredLayer layer, List<Value> values, int[] outShape) {
    if (layer instanceof dev.topiary.dsl.layers.merging.Add || layer instanceof dev.topiary.dsl.layers.merging.Subtract
        || layer instanceof dev.topiary.dsl.layers.merging.Average) {
      if (values.stream().anyMatch(v -> v.mask() == null)) {
        return null;
      }
      boolean[] or = values.get(0).mask().clone();
      for (Value v : values.subList(1, values.size())) {
        for (int i = 0; i < or.length; i++) {
          or[i] |= v.mask()[i];
        }
      }
      return or;
    }
    Value x = values.get(0);
    return x.mask() != null && Arrays.equals(x.shape(), outShape) ? x.mask() : null;
  }

  private Sym addFixed(float[] values, int[] shape) {
    created.add(new Value(values, 1, shape));
    return new Sym(inputs + created.size() - 1, shape, false);
  }

  private Sym addStep(int[] shape, boolean batched, Step step) {
    created.add(step);
    return new Sym(inputs + created.size() - 1, shape, batched);
  }

  private static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  @Override
  public int[] shape(Sym x) {
    return x.shape().clone();
  }

  @Override
  public Sym weight(String name) {
    return addFixed(weights.values(name), weights.shape(name));
  }

  @Override
  public Sym constant(float[] values, int... shape) {
    if (size(shape) != values.length) {
      throw new IllegalArgumentException("constant of shape " + Arrays.toString(shape) + " needs " + size(shape)
          + " values, got " + values.length);
    }
    return addFixed(values.clone(), shape.clone());
  }

  @Override
  public Sym activation(Activation a, Sym x) {
    int slot = x.slot();
    int last = x.shape().length == 0 ? 1 : x.shape()[x.shape().length - 1];
    return addStep(x.shape(), x.batched(), (slots, batch) -> {
      float[] y = slots[slot].data().clone();
      Activations.apply(a, y, y.length, last);
      return new Value(y, x.batched() ? batch : 1, x.shape());
    });
  }

  @Override
  public Sym unary(Unary op, Sym x) {
    int slot = x.slot();
    return addStep(x.shape(), x.batched(), (slots, batch) -> {
      float[] v = slots[slot].data();
      float[] y = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        y[i] = unary(op, v[i]);
      }
      return new Value(y, x.batched() ? batch : 1, x.shape());
    });
  }

  private static float unary(Unary op, float v) {
    return switch (op) {
      case NEGATE -> -v;
      case ABS -> Math.abs(v);
      case SQUARE -> v * v;
      case SQRT -> (float) Math.sqrt(v);
      case RSQRT -> (float) (1 / Math.sqrt(v));
      case EXP -> (float) Math.exp(v);
      case LOG -> (float) Math.log(v);
    };
  }

  private static float binary(Binary op, float a, float b) {
    return switch (op) {
      case ADD -> a + b;
      case SUBTRACT -> a - b;
      case MULTIPLY -> a * b;
      case DIVIDE -> a / b;
      case MAXIMUM -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
      case MINIMUM -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
      case GREATER -> a > b ? 1f : 0f;
    };
  }

  @Override
  public Sym binary(Binary op, Sym a, Sym b) {
    Sym c = a.batched() ? b : a;
    Sym v = a.batched() ? a : b;
    if (a.batched() != b.batched() && c.shape().length > v.shape().length) {
      throw new IllegalArgumentException("a constant of shape " + Arrays.toString(c.shape())
          + " does not broadcast over examples of shape " + Arrays.toString(v.shape()));
    }
    int[] shape = Primitives.broadcast(a.shape(), b.shape());
    int[] sa = strides(a.shape(), shape);
    int[] sb = strides(b.shape(), shape);
    int n = size(shape);
    int na = a.batched() ? a.size() : 0; // per-example strides: constants have none
    int nb = b.batched() ? b.size() : 0;
    boolean batched = a.batched() || b.batched();
    int slotA = a.slot();
    int slotB = b.slot();
    boolean same = Arrays.equals(a.shape(), shape) && Arrays.equals(b.shape(), shape);
    // b repeats along a's leading axes (a bias, a scale per channel, a kept reduction of the last axis is
    // not this): b's values are a's trailing block, read at i % nb. Most broadcasts in layers are this.
    boolean trailingB = Arrays.equals(a.shape(), shape) && !b.batched() && isTrailing(b.shape(), shape);
    int blockB = b.size();
    boolean trailingA = !trailingB && Arrays.equals(b.shape(), shape) && !a.batched() && isTrailing(a.shape(), shape);
    int blockA = a.size();
    return addStep(shape, batched, (slots, batch) -> {
      float[] va = slots[slotA].data();
      float[] vb = slots[slotB].data();
      int examples = batched ? batch : 1;
      float[] y = new float[examples * n];
      for (int e = 0; e < examples; e++) {
        int oa = e * na;
        int ob = e * nb;
        int oy = e * n;
        if (same) {
          for (int i = 0; i < n; i++) {
            y[oy + i] = binary(op, va[oa + i], vb[ob + i]);
          }
        } else if (trailingA) {
          for (int i = 0; i < n; i += blockA) {
            for (int j = 0; j < blockA; j++) {
              y[oy + i + j] = binary(op, va[j], vb[ob + i + j]);
            }
          }
        } else if (trailingB) {
          for (int i = 0; i < n; i += blockB) {
            for (int j = 0; j < blockB; j++) {
              y[oy + i + j] = binary(op, va[oa + i + j], vb[j]);
            }
          }
        } else {
          for (int i = 0; i < n; i++) {
            y[oy + i] = binary(op, va[oa + offset(i, shape, sa)], vb[ob + offset(i, shape, sb)]);
          }
        }
      }
      return new Value(y, examples, shape);
    });
  }

  /** Whether {@code b}, leading 1s dropped, is the trailing part of {@code out} (so it repeats as a block). */
  private static boolean isTrailing(int[] b, int[] out) {
    int start = 0;
    while (start < b.length && b[start] == 1) {
      start++;
    }
    int len = b.length - start;
    if (len > out.length) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (b[start + i] != out[out.length - len + i]) {
        return false;
      }
    }
    return true;
  }

  /** Strides of a value of {@code shape} read at the indices of {@code out} (trailing axes aligned, 0 where broadcast). */
  private static int[] strides(int[] shape, int[] out) {
    int[] s = new int[out.length];
    int stride = 1;
    for (int i = out.length - 1, j = shape.length - 1; i >= 0; i--, j--) {
      int d = j >= 0 ? shape[j] : 1;
      s[i] = d == 1 ? 0 : stride;
      stride *= d;
    }
    return s;
  }

  /** The offset, with {@code strides}, of flat index {@code i} of {@code shape}. */
  private static int offset(int i, int[] shape, int[] strides) {
    int off = 0;
    for (int d = shape.length - 1; d >= 0; d--) {
      off += (i % shape[d]) * strides[d];
      i /= shape[d];
    }
    return off;
  }

  @Override
  public Sym reduce(Reduce op, Sym x, int[] axes, boolean keepDims) {
    int rank = x.shape().length;
    boolean[] reduced = new boolean[rank];
    for (int a : axes) {
      reduced[Primitives.exampleAxis(a, rank)] = true;
    }
    int[] kept = new int[rank];
    List<Integer> outDims = new ArrayList<>();
    int count = 1;
    for (int d = 0; d < rank; d++) {
      kept[d] = reduced[d] ? 1 : x.shape()[d];
      count *= reduced[d] ? x.shape()[d] : 1;
      if (!reduced[d] || keepDims) {
        outDims.add(kept[d]);
      }
    }
    int[] outShape = outDims.stream().mapToInt(Integer::intValue).toArray();
    int[] st = strides(kept, x.shape()); // input index -> output index (reduced axes have stride 0)
    int n = x.size();
    int m = size(kept);
    int slot = x.slot();
    float divisor = count;
    boolean lastOnly = rank > 0 && reduced[rank - 1] && count == x.shape()[rank - 1];
    // every axis but the last (global pooling): channels stay contiguous, summed row after row
    boolean allButLast = rank > 1 && !reduced[rank - 1] && count * x.shape()[rank - 1] == x.size();
    int runLength = count;
    int rowsReduced = count;
    return addStep(outShape, x.batched(), (slots, batch) -> {
      float[] v = slots[slot].data();
      int examples = x.batched() ? batch : 1;
      if (lastOnly) { // runs of the last axis (LayerNormalization): contiguous, no index arithmetic
        int run = runLength;
        float[] y = new float[v.length / run];
        for (int r = 0; r < y.length; r++) {
          double acc = op == Reduce.MAX ? Double.NEGATIVE_INFINITY : 0;
          for (int i = r * run; i < (r + 1) * run; i++) {
            acc = op == Reduce.MAX ? (Float.isNaN(v[i]) ? Double.NaN : Math.max(acc, v[i])) : acc + v[i];
          }
          y[r] = (float) (op == Reduce.MAX ? acc : acc / divisor);
        }
        return new Value(y, examples, outShape);
      }
      if (allButLast) {
        return new Value(reduceLeading(op, v, examples, rowsReduced, m, divisor), examples, outShape);
      }
      float[] y = new float[examples * m];
      double[] sums = op == Reduce.MEAN ? new double[m] : null;
      for (int e = 0; e < examples; e++) {
        if (op == Reduce.MAX) {
          Arrays.fill(y, e * m, (e + 1) * m, Float.NEGATIVE_INFINITY);
        } else {
          Arrays.fill(sums, 0);
        }
        for (int i = 0; i < n; i++) {
          int o = offset(i, x.shape(), st);
          float val = v[e * n + i];
          if (op == Reduce.MAX) {
            y[e * m + o] = Float.isNaN(val) || Float.isNaN(y[e * m + o]) ? Float.NaN : Math.max(y[e * m + o], val);
          } else {
            sums[o] += val;
          }
        }
        if (op == Reduce.MEAN) {
          for (int o = 0; o < m; o++) {
            y[e * m + o] = (float) (sums[o] / divisor);
          }
        }
      }
      return new Value(y, examples, outShape);
    });
  }

  /**
   * Each example's {@code rows x m} values reduced over the rows (MEAN in double, as the general path;
   * MAX propagating NaN), without index arithmetic: GlobalAveragePooling2D spent 61 us on DS-CNN's
   * 25 x 5 x 64 in the general path.
   */
  private static float[] reduceLeading(Reduce op, float[] v, int examples, int rows, int m, float divisor) {
    float[] y = new float[examples * m];
    double[] sums = new double[m];
    for (int e = 0; e < examples; e++) {
      int base = e * rows * m;
      if (op == Reduce.MAX) {
        Arrays.fill(y, e * m, (e + 1) * m, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < m; c++) {
            float val = v[base + r * m + c];
            float cur = y[e * m + c];
            y[e * m + c] = Float.isNaN(val) || Float.isNaN(cur) ? Float.NaN : Math.max(cur, val);
          }
        }
      } else {
        Arrays.fill(sums, 0);
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < m; c++) {
            sums[c] += v[base + r * m + c];
          }
        }
        for (int c = 0; c < m; c++) {
          y[e * m + c] = (float) (sums[c] / divisor);
        }
      }
    }
    return y;
  }

  @Override
  public Sym reshape(Sym x, int... exampleShape) {
    if (size(exampleShape) != x.size()) {
      throw new IllegalArgumentException("cannot reshape " + Arrays.toString(x.shape()) + " to " + Arrays.toString(exampleShape));
    }
    int slot = x.slot();
    int[] shape = exampleShape.clone();
    return addStep(shape, x.batched(), (slots, batch) -> new Value(slots[slot].data(), x.batched() ? batch : 1, shape));
  }

  @Override
  public Sym pad(Sym x, int[] before, int[] after) {
    int rank = x.shape().length;
    if (before.length != rank || after.length != rank) {
      throw new IllegalArgumentException("pad needs " + rank + " before/after sizes, got " + before.length + "/" + after.length);
    }
    int[] shape = new int[rank];
    for (int d = 0; d < rank; d++) {
      shape[d] = x.shape()[d] + before[d] + after[d];
    }
    int[] st = strides(shape, shape);
    int shift = 0;
    for (int d = 0; d < rank; d++) {
      shift += before[d] * st[d];
    }
    int n = x.size();
    int m = size(shape);
    int slot = x.slot();
    int base = shift;
    // Runs of the last axis stay contiguous: copied whole to where each starts (ZeroPadding2D on
    // MobileNetV2's 112 x 112 x 96 took 4 ms element by element).
    int last = rank == 0 ? 1 : x.shape()[rank - 1];
    int[] runs = new int[last == 0 ? 0 : n / last];
    for (int r = 0; r < runs.length; r++) {
      runs[r] = base + offset(r * last, x.shape(), st);
    }
    return addStep(shape, x.batched(), (slots, batch) -> {
      float[] v = slots[slot].data();
      int examples = x.batched() ? batch : 1;
      float[] y = new float[examples * m];
      for (int e = 0; e < examples; e++) {
        for (int r = 0; r < runs.length; r++) {
          System.arraycopy(v, e * n + r * last, y, e * m + runs[r], last);
        }
      }
      return new Value(y, examples, shape);
    });
  }

  @Override
  public Sym slice(Sym x, int[] begin, int[] size) {
    Primitives.checkSlice(x.shape(), begin, size);
    int[] st = strides(x.shape(), x.shape());
    int base = 0;
    for (int d = 0; d < begin.length; d++) {
      base += begin[d] * st[d];
    }
    int[] from = new int[size(size)];
    for (int i = 0; i < from.length; i++) {
      from[i] = base + offset(i, size, st);
    }
    return gather(x, size.clone(), from);
  }

  @Override
  public Sym transpose(Sym x, int... perm) {
    int[] shape = Primitives.transposed(x.shape(), perm);
    int[] st = strides(x.shape(), x.shape());
    int[] permuted = new int[perm.length];
    for (int d = 0; d < perm.length; d++) {
      permuted[d] = st[perm[d]];
    }
    int[] from = new int[size(shape)];
    for (int i = 0; i < from.length; i++) {
      from[i] = offset(i, shape, permuted);
    }
    return gather(x, shape, from);
  }

  @Override
  public Sym tile(Sym x, int... multiples) {
    int[] in = x.shape();
    int[] shape = Primitives.tiled(in, multiples);
    int[] st = strides(in, in);
    int[] from = new int[size(shape)];
    for (int i = 0; i < from.length; i++) {
      int rest = i;
      int off = 0;
      for (int d = shape.length - 1; d >= 0; d--) {
        off += (rest % shape[d]) % in[d] * st[d];
        rest /= shape[d];
      }
      from[i] = off;
    }
    return gather(x, shape, from);
  }

  /** Each example of the result: element {@code j} is element {@code from[j]} of the example of {@code x}. */
  private Sym gather(Sym x, int[] shape, int[] from) {
    int n = x.size();
    int m = from.length;
    int slot = x.slot();
    return addStep(shape, x.batched(), (slots, batch) -> {
      float[] v = slots[slot].data();
      int examples = x.batched() ? batch : 1;
      float[] y = new float[examples * m];
      for (int e = 0; e < examples; e++) {
        for (int j = 0; j < m; j++) {
          y[e * m + j] = v[e * n + from[j]];
        }
      }
      return new Value(y, examples, shape);
    });
  }

  @Override
  public Sym concat(List<Sym> xs, int axis) {
    int rank = xs.get(0).shape().length;
    int a = Primitives.exampleAxis(axis, rank);
    int[] shape = xs.get(0).shape().clone();
    shape[a] = 0;
    for (Sym s : xs) {
      if (s.shape().length != rank || !s.batched()) {
        throw new IllegalArgumentException("concat joins batched values of one rank, got " + Arrays.toString(s.shape()));
      }
      shape[a] += s.shape()[a];
    }
    int outer = 1;
    for (int d = 0; d < a; d++) {
      outer *= shape[d];
    }
    int inner = 1;
    for (int d = a + 1; d < rank; d++) {
      inner *= shape[d];
    }
    int m = size(shape);
    int[] slots = xs.stream().mapToInt(Sym::slot).toArray();
    int[] widths = xs.stream().mapToInt(s -> s.shape()[a] * 1).toArray();
    int innerSize = inner;
    int outerSize = outer;
    return addStep(shape, true, (vals, batch) -> {
      float[] y = new float[batch * m];
      int at = 0;
      for (int e = 0; e < batch; e++) {
        for (int o = 0; o < outerSize; o++) {
          for (int k = 0; k < slots.length; k++) {
            int len = widths[k] * innerSize;
            System.arraycopy(vals[slots[k]].data(), (e * outerSize + o) * len, y, at, len);
            at += len;
          }
        }
      }
      return new Value(y, batch, shape);
    });
  }
}
