package dev.topiary.sparse;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.sparse.exec.Buffers;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.BaseDepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.sparse.layers.Epilogue;
import dev.topiary.sparse.layers.LayerTranslator;
import dev.topiary.sparse.layers.Planes;
import dev.topiary.sparse.layers.SparseLayers;
import dev.topiary.sparse.layers.Weights;
import dev.topiary.sparse.matrix.RowTable;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An inference-only copy of a (stripped) model that runs in plain Java with sparse kernels: Dense, the
 * products inside SimpleRNN / LSTM / GRU and Conv2D (im2col) on a {@link WeightMatrix} per kernel in the
 * format chosen for it (see {@link SparseOptions}), Embedding as a gather, the rest in Java. A batch
 * normalization and a ReLU / ReLU6 right after a convolution or Dense run inside it (their per-channel scale
 * and shift, and a clamp, applied in the pass that adds the bias). Same
 * {@code predict} as {@link Model#predict}; outputs equal TF's within float rounding. No TF resources are
 * held: the weights are copied out of the model, which may be closed afterwards. Thread-safe for
 * concurrent {@code predict} calls. Close it to stop its worker threads.
 *
 * <pre>{@code
 * try (Model stripped = pruned.strip(); SparseModel fast = SparseModel.of(stripped)) {
 *   HostArray y = fast.predict(x);
 * }
 * }</pre>
 */
public final class SparseModel implements AutoCloseable {
  /** The op of a layer computed inside another one (folded into the layer before or after it): its input as is. */
  private static final LayerOp PASS_ON = (in, ex) -> List.of(in.get(0));

  private final ModelSpec spec;
  private final SparseOptions options;
  private final Exec exec;
  private final Map<Node, LayerOp> ops;
  /**
   * The layout each op takes its inputs in: true channel-major planes, false channels-last; absent (a layer
   * folded into the one before it) as given.
   */
  private final Map<Node, Boolean> planes;
  private final List<WeightPlan> plans;
  private final long bytes;
  /** The weights not held in a matrix (biases, tables) by variable name. */
  private final Map<String, HostArray> others;
  private final Map<String, WeightMatrix> matrices;
  private final Map<String, RowTable> tables;
  /** Every weight's shape, in model order. */
  private final Map<String, long[]> shapes;
  /** The 1x1 convolutions computed inside the depthwise convolution that reads them, by name. */
  private final List<String> expandedInDepthwise;
  /** The intermediate values' arrays, reused from run to run. */
  private final Buffers buffers = new Buffers();
  /** For each node, the values it is the last to read (see {@link #deaths}). */
  private final Map<Node, List<Node>> dies;

  private SparseModel(ModelSpec spec, SparseOptions options, Exec exec, Map<Node, LayerOp> ops,
      Map<Node, Boolean> planes, List<WeightPlan> plans, long bytes, Map<String, HostArray> others, Map<String, WeightMatrix> matrices, Map<String, RowTable> tables, Map<String, long[]> shapes, List<String> expandedInDepthwise) {
    this.tables = tables;
    this.expandedInDepthwise = List.copyOf(expandedInDepthwise);
    this.others = others;
    this.matrices = matrices;
    this.shapes = shapes;
    this.spec = spec;
    this.options = options;
    this.exec = exec;
    this.ops = ops;
    this.planes = planes;
    this.plans = List.copyOf(plans);
    this.bytes = bytes;
    this.dies = deaths(spec);
  }

  /** {@code model} (ideally stripped; masks are applied either way) with the default options. */
  public static SparseModel of(Model model) {
    return of(model, SparseOptions.defaults());
  }

  public static SparseModel of(Model model, SparseOptions options) {
    return of(model.spec(), model.weights(), options);
  }

  /**
   * A sparse model of {@code spec} with {@code weights} by variable name (as {@link Model#weights} gives
   * them, or as {@link dev.topiary.dsl.export.SparseWeights#read} reads them from a TPSW file).
   *
   * @throws UnsupportedLayersException listing every layer it cannot run
   * @throws IllegalArgumentException naming a missing or mis-shaped weight
   */
  public static SparseModel of(ModelSpec spec, Map<String, HostArray> weights, SparseOptions options) {
    List<String> unsupported = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      if (SparseLayers.translator(layer) == null) {
        unsupported.add("'" + spec.layerName(layer) + "' (" + layer.getClass().getSimpleName() + ")");
      }
    }
    if (!unsupported.isEmpty()) {
      throw new UnsupportedLayersException(unsupported, SparseLayers.supported());
    }
    checkWeights(spec, weights);
    Exec exec = new Exec(options.kernels().kernels(), options.threads());
    Planner planner = new Planner(options, exec);
    Fusion.Plan fusion = Fusion.plan(spec, weights);
    try {
      Map<Node, LayerOp> ops = new IdentityHashMap<>();
      Map<Node, Boolean> planes = new IdentityHashMap<>();
      Map<Node, Planes.Pointwise> expansions = new IdentityHashMap<>();
      Layout layout = layout(spec, fusion, options);
      long other = 0;
      Map<String, HostArray> kept = new java.util.LinkedHashMap<>();
      for (Node n : spec.nodes()) {
        if (n.isInput() || n.isFurtherOutput()) {
          continue;
        }
        Layer layer = n.layer();
        String name = spec.layerName(layer);
        List<int[]> inShapes = n.inputs().stream().map(i -> exampleShape(i)).toList();
        Weights w = new Weights() {
          @Override
          public String layerName() {
            return name;
          }

          @Override
          public float[] values(String weight) {
            return weights.get(spec.variableName(layer, weight)).floats();
          }

          @Override
          public int[] shape(String weight) {
            return Arrays.stream(spec.weight(layer, weight).shape().asArray()).mapToInt(Math::toIntExact).toArray();
          }

          @Override
          public RowTable table(String weight, int rows, int dim) {
            String variable = spec.variableName(layer, weight);
            return planner.table(variable, weights.get(variable).floats(), rows, dim);
          }

          @Override
          public WeightMatrix matrix(String weight, int in, int out, int rowsPerExample) {
            String variable = spec.variableName(layer, weight);
            return planner.matrix(variable, name, weights.get(variable).floats(), in, out, rowsPerExample);
          }

          @Override
          public WeightMatrix planeMatrix(String weight, int in, int out) {
            String variable = spec.variableName(layer, weight);
            return planner.planeMatrix(variable, name, weights.get(variable).floats(), in, out);
          }

          @Override
          public WeightMatrix stepMatrix(String weight, int in, int out) {
            String variable = spec.variableName(layer, weight);
            return planner.stepMatrix(variable, name, weights.get(variable).floats(), in, out);
          }
        };
        Fusion.Tail tail = fusion.tails().get(n);
        if (fusion.folded().contains(n)) {
          ops.put(n, PASS_ON); // runs inside the layer before it
          continue;
        }
        Planes.Kind kind = layout.kinds().get(n);
        boolean chw = layout.planes().get(n);
        if (layout.padFolded().containsKey(n)) {
          // a ZeroPadding2D that the convolution after it pads itself (in the copy of each plane it makes
          // anyway): passes its planes on unchanged
          ops.put(n, PASS_ON);
          planes.put(n, true);
          continue;
        }
        planes.put(n, chw);
        if (chw) {
          Epilogue e = kind != Planes.Kind.START ? null : tail != null
              ? SparseLayers.epilogue(layer, w, tail.scale(), tail.shift(), tail.activation())
              : SparseLayers.epilogue(layer, w, null, null, ownActivation(layer));
          Node reader = layout.expandFolded().get(n);
          if (reader != null) {
            // computed by the depthwise convolution that reads it: passes its input planes on
            expansions.put(reader, Planes.expansion(w, inShapes.get(0)[2], exampleShape(n)[2], e));
            ops.put(n, PASS_ON);
            continue;
          }
          Node pad = n.inputs().get(0);
          if (layout.padFolded().get(pad) == n) {
            ops.put(n, Planes.op(layer, List.of(exampleShape(pad.inputs().get(0))), exampleShape(n), w, e,
                Planes.paddingOf((ZeroPadding2D) pad.layer()), expansions.get(n)));
          } else {
            ops.put(n, Planes.op(layer, inShapes, exampleShape(n), w, e, null, expansions.get(n)));
          }
        } else if (tail != null) {
          ops.put(n, SparseLayers.fused(layer, inShapes, exampleShape(n), w, tail.scale(), tail.shift(), tail.activation()));
        } else {
          ops.put(n, translate(layer, inShapes, exampleShape(n), w));
        }
      }
      Map<String, WeightMatrix> matrices = planner.matrices();
      Map<String, RowTable> tables = planner.tables();
      Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
      for (Layer layer : spec.layers()) {
        for (WeightSpec ws : spec.weights(layer)) {
          String variable = spec.variableName(layer, ws.name());
          shapes.put(variable, ws.shape().asArray());
          if (!matrices.containsKey(variable) && !tables.containsKey(variable)) {
            kept.put(variable, weights.get(variable));
            other += 4L * weights.get(variable).floats().length;
          }
        }
      }
      return new SparseModel(spec, options, exec, ops, planes, planner.plans(), planner.bytes() + other, kept, matrices, tables, shapes,
          spec.nodes().stream().filter(layout.expandFolded()::containsKey).map(n -> spec.layerName(n.layer())).toList());
    } catch (RuntimeException | Error e) {
      exec.close();
      closeAll(planner.matrices());
      throw e;
    }
  }

  /**
   * Which layers run on channel-major planes: {@code kinds} and {@code planes} for every layer not folded
   * into the one before it, and the ZeroPadding2D layers read only by a convolution on planes, each with that
   * convolution, which pads itself instead ({@code padFolded}; MobileNetV2 pads before each strided depthwise
   * convolution, and the padded planes were copied once more: 1.2 ms at 113 x 113 x 96).
   */
  private record Layout(Map<Node, Planes.Kind> kinds, Map<Node, Boolean> planes, Map<Node, Node> padFolded,
      Map<Node, Node> expandFolded) {}

  /**
   * Chains of convolutions on planes, decided once here: a 1x1, depthwise or stem convolution starts one
   * (from {@link SparseOptions#channelMajorFrom} pixels, when no format is fixed for it), padding and
   * {@code Add} continue one when all their inputs are planes, global pooling ends one; the model's inputs
   * are channels-last, and a value is transposed where its reader takes the other layout.
   */
  private static Layout layout(ModelSpec spec, Fusion.Plan fusion, SparseOptions options) {
    Map<Node, List<Node>> readers = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      for (Node i : n.inputs()) {
        readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
      }
    }
    Map<Node, Boolean> chw = new IdentityHashMap<>(); // whether each value is planes
    Map<Node, Planes.Kind> kinds = new IdentityHashMap<>();
    Map<Node, Boolean> planes = new IdentityHashMap<>();
    Map<Node, Node> folded = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      if (n.isInput() || n.isFurtherOutput()) {
        continue;
      }
      boolean inChw = n.inputs().stream().allMatch(i -> chw.getOrDefault(i, false));
      if (fusion.folded().contains(n)) {
        chw.put(n, chw.getOrDefault(n.inputs().get(0), false));
        continue;
      }
      Planes.Kind kind = planeKind(n, fusion);
      boolean on = kind == Planes.Kind.START ? startsPlanes(spec, n, options) : kind != Planes.Kind.NONE && inChw;
      kinds.put(n, kind);
      planes.put(n, on);
      chw.put(n, on && kind != Planes.Kind.END);
      List<Node> r = readers.getOrDefault(n, List.of());
      if (on && n.layer() instanceof ZeroPadding2D && r.size() == 1 && !spec.outputs().contains(n)) {
        Node reader = r.get(0);
        boolean conv = reader.layer().getClass() == DepthwiseConv2D.class
            || (reader.layer().getClass() == Conv2D.class && ((Conv2D) reader.layer()).kernelHeight() > 1);
        if (conv && planeKind(reader, fusion) == Planes.Kind.START && startsPlanes(spec, reader, options)) {
          folded.put(n, reader);
        }
      }
    }
    return new Layout(kinds, planes, folded, expansions(spec, fusion, planes, folded, readers));
  }

  /**
   * The 1x1 convolutions on planes whose output only a depthwise convolution on planes reads (through what
   * is folded into either: batch normalization, activation, zero padding), each with that depthwise
   * convolution, which computes the expansion itself band by band (MobileNetV2's inverted residual blocks):
   * the expanded planes, six times the block's input, never go to memory and back.
   */
  private static Map<Node, Node> expansions(ModelSpec spec, Fusion.Plan fusion, Map<Node, Boolean> planes,
      Map<Node, Node> padFolded, Map<Node, List<Node>> readers) {
    Map<Node, Node> expansions = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      if (!Boolean.TRUE.equals(planes.get(n)) || n.layer().getClass() != Conv2D.class) {
        continue;
      }
      Conv2D c = (Conv2D) n.layer();
      if (c.kernelHeight() != 1 || c.kernelWidth() != 1 || c.strideRows() != 1 || c.strideCols() != 1) {
        continue;
      }
      Node value = n;
      while (true) {
        List<Node> r = readers.getOrDefault(value, List.of());
        if (r.size() != 1 || spec.outputs().contains(value)) {
          value = null;
          break;
        }
        value = r.get(0);
        if (!fusion.folded().contains(value) && !padFolded.containsKey(value)) {
          break;
        }
      }
      if (value != null && value.layer().getClass() == DepthwiseConv2D.class && Boolean.TRUE.equals(planes.get(value))) {
        expansions.put(n, value);
      }
    }
    return expansions;
  }

  /** How node {@code n} can take part in a channel-major chain. */
  private static Planes.Kind planeKind(Node n, Fusion.Plan fusion) {
    Fusion.Tail tail = fusion.tails().get(n);
    Activation activation = tail != null ? tail.activation() : ownActivation(n.layer());
    List<int[]> inShapes = n.inputs().stream().map(SparseModel::exampleShape).toList();
    return Planes.kind(n.layer(), inShapes, activation);
  }

  /** Whether a START node runs on planes: enough pixels, and no format fixed for its kernels. */
  private static boolean startsPlanes(ModelSpec spec, Node n, SparseOptions options) {
    int[] in = exampleShape(n.inputs().get(0));
    return options.channelMajorPixels() > 0 && (long) in[0] * in[1] >= options.channelMajorPixels()
        && !overridden(spec, n.layer(), options);
  }

  /** The activation of a convolution or Dense of their own classes, else null. */
  private static @org.jspecify.annotations.Nullable Activation ownActivation(Layer layer) {
    return layer instanceof Conv2D c ? c.activation() : layer instanceof Dense d ? d.activation()
        : layer instanceof BaseDepthwiseConv2D<?> b ? b.activation() : null;
  }

  /** Whether the options fix the format of one of {@code layer}'s weights (then it runs as asked, channels-last). */
  private static boolean overridden(ModelSpec spec, Layer layer, SparseOptions options) {
    String name = spec.layerName(layer);
    return spec.weights(layer).stream().anyMatch(ws -> options.formatFor(spec.variableName(layer, ws.name()), name) != null);
  }

  private static <L extends Layer> LayerOp translate(L layer, List<int[]> in, int[] out, Weights w) {
    LayerTranslator<L> t = SparseLayers.translator(layer);
    return t.translate(layer, in, out, w);
  }

  private static int[] exampleShape(Node n) {
    return Arrays.stream(Shapes.withoutBatch(n.shape())).mapToInt(Math::toIntExact).toArray();
  }

  private static void checkWeights(ModelSpec spec, Map<String, HostArray> weights) {
    for (Layer layer : spec.layers()) {
      for (WeightSpec w : spec.weights(layer)) {
        String name = spec.variableName(layer, w.name());
        HostArray value = weights.get(name);
        if (value == null) {
          throw new IllegalArgumentException("weight '" + name + "' of layer '" + spec.layerName(layer)
              + "' is missing; given: " + weights.keySet());
        }
        if (!Arrays.equals(value.shape(), w.shape().asArray()) || value.dtype() != HostArray.DType.FLOAT32) {
          throw new IllegalArgumentException("weight '" + name + "' should be float " + w.shape() + ", got " + value);
        }
      }
    }
  }

  /** The definition this model runs. */
  public ModelSpec spec() {
    return spec;
  }

  public SparseOptions options() {
    return options;
  }

  /** The kernels in use: {@code vector-512}, {@code vector-256}, ... or {@code scalar}. */
  public String kernels() {
    return exec.kernels().name();
  }

  /**
   * The layers that run on channel-major planes ({@link SparseOptions#channelMajorFrom}), by name in model
   * order; the others run channels-last.
   */
  public List<String> channelMajorLayers() {
    return spec.nodes().stream().filter(n -> Boolean.TRUE.equals(planes.get(n)))
        .map(n -> spec.layerName(n.layer())).toList();
  }

  /** The 1x1 convolutions that the depthwise convolution after them computes band by band (for tests). */
  List<String> expandedInDepthwise() {
    return expandedInDepthwise;
  }

  /** The format of every kernel and why it was chosen. */
  public List<WeightPlan> plan() {
    return plans;
  }

  /**
   * Bytes of every weight array this model holds (matrices in their formats, biases, embedding tables,
   * compressed when mostly zeros):
   * its whole weight footprint, all on the heap (it holds no native memory).
   */
  public long weightBytes() {
    return bytes;
  }

  /**
   * Every weight by variable name as this model multiplies it: kernels read back from their formats into
   * their Keras shapes (int8 values dequantized), the rest as given. Write them as a TPSW file with
   * {@link dev.topiary.dsl.export.SparseWeights#write} and rebuild with {@link #of(ModelSpec, Map, SparseOptions)}.
   */
  public Map<String, HostArray> weights() {
    Map<String, HostArray> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      WeightMatrix m = matrices.get(e.getKey());
      RowTable t = tables.get(e.getKey());
      out.put(e.getKey(), m != null ? HostArray.of(m.toKernel(), e.getValue())
          : t != null ? HostArray.of(t.toDense(), e.getValue()) : others.get(e.getKey()));
    }
    return out;
  }

  /** The output for {@code inputs} of a single-input, single-output model, as {@link Model#predict(HostArray)}. */
  public HostArray predict(HostArray inputs) {
    List<HostArray> out = predict(List.of(inputs), 128);
    if (out.size() != 1) {
      throw new IllegalStateException("this model has " + out.size() + " outputs; use predict(List, int)");
    }
    return out.get(0);
  }

  /** The model outputs for {@code inputs} in batches of {@code batchSize}, one array per output. */
  public List<HostArray> predict(List<HostArray> inputs, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    int examples = spec.checkInputs(inputs, "prediction");
    for (int i = 0; i < inputs.size(); i++) {
      int at = inputs.get(i).indexOfNonFinite();
      if (at >= 0) {
        throw new IllegalArgumentException("input '" + spec.inputName(spec.inputs().get(i)) + "' holds a non-finite"
            + " value at flat index " + at + "; predictions need finite inputs");
      }
    }
    List<List<HostArray>> parts = new ArrayList<>();
    spec.outputs().forEach(o -> parts.add(new ArrayList<>()));
    for (int from = 0; from < examples; from += batchSize) {
      int to = (int) Math.min(examples, (long) from + batchSize);
      List<Value> in = new ArrayList<>();
      for (HostArray x : inputs) {
        HostArray part = from == 0 && to == examples ? x : x.slice(from, to);
        in.add(new Value(part.floats(), to - from, Arrays.stream(part.exampleShape()).mapToInt(Math::toIntExact).toArray()));
      }
      List<Value> out = run(in);
      for (int o = 0; o < out.size(); o++) {
        Value v = out.get(o);
        long[] shape = new long[v.shape().length + 1];
        shape[0] = v.batch();
        for (int d = 0; d < v.shape().length; d++) {
          shape[d + 1] = v.shape()[d];
        }
        parts.get(o).add(HostArray.of(v.data(), shape));
      }
    }
    return parts.stream().map(HostArray::concat).toList();
  }

  private List<Value> run(List<Value> inputs) {
    Buffers.Run buffers = this.buffers.run();
    Exec exec = this.exec.forRun(buffers);
    Map<Node, Value> values = new IdentityHashMap<>();
    Map<Node, List<Value>> all = new IdentityHashMap<>();
    Map<Node, Value> toChw = new IdentityHashMap<>();
    Map<Node, Value> toNhwc = new IdentityHashMap<>();
    // how many live values hold each array (a layer may pass its input's array on): it goes back to the
    // buffers when the last of them is dead
    Map<float[], Integer> holders = new IdentityHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      values.put(spec.inputs().get(i), inputs.get(i));
      all.put(spec.inputs().get(i), List.of(inputs.get(i)));
    }
    for (Node n : spec.nodes()) {
      if (n.isInput()) {
        continue;
      }
      if (n.isFurtherOutput()) {
        values.put(n, all.get(n.output(0)).get(n.outputIndex()));
        release(n, all, toChw, toNhwc, holders, buffers);
        continue;
      }
      Boolean chw = planes.get(n);
      List<Value> ins = new ArrayList<>(n.inputs().size());
      for (Node i : n.inputs()) {
        Value v = values.get(i);
        if (chw != null && v.isChw() != chw) {
          // where a channel-major chain begins or ends: one copy per value and layout, whoever reads it
          v = (chw ? toChw : toNhwc).computeIfAbsent(i, k -> {
            Value t = chw ? Planes.toChw(values.get(k), exec) : Planes.toNhwc(values.get(k), exec);
            hold(t, holders);
            return t;
          });
        }
        ins.add(v);
      }
      if (!followsMasks(n.layer()) && ins.stream().anyMatch(v -> v.mask() != null)) {
        throw new UnsupportedOperationException("layer '" + spec.layerName(n.layer()) + "' ("
            + n.layer().typeName() + ") gets a mask from a mask_zero Embedding: SparseModel applies masks only in"
            + " Dense, MultiHeadAttention, Add/Subtract/Average, normalization, activations, recurrent layers and"
            + " 1-D global pooling; run this model with TF");
      }
      List<Value> outs = ops.get(n).run(ins, exec);
      all.put(n, outs);
      values.put(n, outs.get(0));
      outs.forEach(v -> hold(v, holders));
      release(n, all, toChw, toNhwc, holders, buffers);
    }
    // the outputs' arrays are the caller's now (never released: their nodes are kept alive); a channel-major
    // output is transposed into a new array (the model's executor, outside the run's buffers)
    return spec.outputs().stream().map(values::get).map(v -> v.isChw() ? Planes.toNhwc(v, this.exec) : v).toList();
  }

  private static void hold(Value v, Map<float[], Integer> holders) {
    float[] a = v.dataIfBuilt();
    if (a != null) {
      holders.merge(a, 1, Integer::sum);
    }
  }

  /**
   * After {@code reader} ran: the values (and their transposed copies) that it was the last to read, their
   * arrays back to {@code buffers} where no live value holds them any more.
   */
  private void release(Node reader, Map<Node, List<Value>> all, Map<Node, Value> toChw,
      Map<Node, Value> toNhwc, Map<float[], Integer> holders, Buffers.Run buffers) {
    List<Node> dead = dies.get(reader);
    if (dead == null) {
      return;
    }
    for (Node d : dead) {
      List<Value> held = new ArrayList<>(all.remove(d));
      Value t = toChw.remove(d);
      if (t != null) {
        held.add(t);
      }
      t = toNhwc.remove(d);
      if (t != null) {
        held.add(t);
      }
      for (Value v : held) {
        float[] a = v.dataIfBuilt();
        if (a != null && holders.merge(a, -1, Integer::sum) <= 0) {
          holders.remove(a);
          buffers.release(a);
        }
      }
    }
  }

  /**
   * For each node, the values that nobody reads after it (by their first output node, the input nodes
   * included); a model output's value never dies. A further output reads its call's first output.
   */
  private static Map<Node, List<Node>> deaths(ModelSpec spec) {
    Map<Node, Node> last = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      if (n.isFurtherOutput()) {
        last.put(n.output(0), n);
      } else if (!n.isInput()) {
        for (Node i : n.inputs()) {
          last.put(i.isFurtherOutput() ? i.output(0) : i, n);
        }
      }
    }
    for (Node o : spec.outputs()) {
      last.remove(o.isFurtherOutput() ? o.output(0) : o);
    }
    Map<Node, List<Node>> dies = new IdentityHashMap<>();
    last.forEach((value, reader) -> dies.computeIfAbsent(reader, k -> new ArrayList<>()).add(value));
    return dies;
  }

  /**
   * Whether the layer's op here treats a mask as its TF graph does (Keras 3's rules): the others (Attention,
   * Multiply/Maximum/Minimum, Concatenate, convolutions) would run as if unmasked, so a mask reaching them is
   * refused rather than ignored.
   */
  private static boolean followsMasks(Layer layer) {
    return layer instanceof dev.topiary.dsl.layers.core.Dense
        || layer instanceof dev.topiary.dsl.layers.attention.MultiHeadAttention
        || layer instanceof dev.topiary.dsl.layers.merging.Add
        || layer instanceof dev.topiary.dsl.layers.merging.Subtract
        || layer instanceof dev.topiary.dsl.layers.merging.Average
        || layer instanceof dev.topiary.dsl.layers.ElementwiseLayer
        || layer instanceof dev.topiary.dsl.layers.normalization.LayerNormalization
        || layer instanceof dev.topiary.dsl.layers.normalization.BatchNormalization
        || layer instanceof dev.topiary.dsl.layers.recurrent.Recurrent<?>
        || layer instanceof dev.topiary.dsl.layers.recurrent.Bidirectional
        || layer instanceof dev.topiary.dsl.layers.pooling.BaseGlobalPooling1D<?>;
  }

  @Override
  public void close() {
    exec.close();
    buffers.clear();
    closeAll(matrices);
  }

  /** Closes each matrix once (TF_DENSE holds a TF session; a matrix may serve several variables). */
  private static void closeAll(Map<String, WeightMatrix> matrices) {
    matrices.values().stream().distinct().forEach(WeightMatrix::close);
  }

  @Override
  public String toString() {
    return "SparseModel[" + kernels() + ", " + options.threads() + " thread(s), " + plans.size() + " kernels]";
  }
}
