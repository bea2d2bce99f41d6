package dev.topiary.tflite;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.LoweredLayer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.config.ConfigRegistry;
import org.jspecify.annotations.Nullable;
import dev.topiary.dsl.layers.convolution.BaseConv2D;
import dev.topiary.dsl.layers.convolution.BaseDepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.GroupedConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.BaseGlobalPooling;
import dev.topiary.dsl.layers.pooling.BasePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stripped model's inference pass as TFLite builtin operators: one node at a time in the model's
 * order, weights in TFLite's layouts (fully connected {@code [out, in]}, conv {@code [out, h, w, in]},
 * depthwise {@code [1, h, w, in * multiplier]}), ReLU/ReLU6 fused into the op before them, and a
 * BatchNormalization folded into the conv/dense layer before it when that layer is linear and feeds
 * only it. Layers are matched by exact class: a subclass may compute something else, so it is refused.
 */
final class Lowering {
  static final String SUPPORTED = "Dense, Conv2D, DepthwiseConv2D, SeparableConv2D, GroupedConv2D (one channel per"
      + " group), MaxPooling2D, AveragePooling2D, "
      + "GlobalAveragePooling1D, GlobalMaxPooling1D, Flatten, Reshape, Dropout, Activation, "
      + "BatchNormalization, Embedding (mask_zero only straight into LSTMs), LSTM (last output or the sequence, unrolled), MultiHeadAttention (self and cross attention, causal), and every"
      + " LoweredLayer; activations linear, relu, relu6, sigmoid, tanh, softmax, elu, gelu, gelu_approximate, swish,"
      + " exponential, hard_sigmoid_keras3, hard_silu, leaky_relu";
  /** The converter's {@code min_elements_for_weights}: smaller weights stay float in dynamic-range quantization. */
  static final int MIN_ELEMENTS_FOR_INT8 = 1024;

  private enum Use { FULLY_CONNECTED, CONV, DEPTHWISE, GATHER }

  /**
   * The layers the writer lowers itself: those with kernels (stored as the flavour asks, BatchNormalization
   * folded into them), pooling windows, recurrences, and the 1-D global poolings (masks). Every other
   * {@link LoweredLayer} (Add, the 2-D global poolings, normalization, padding, ReLU...) goes through its
   * primitives ({@link LoweredPrimitives}).
   */
  private static final Set<Class<?>> CLASSES = Set.of(Dense.class, Conv2D.class, DepthwiseConv2D.class,
      SeparableConv2D.class, GroupedConv2D.class, MaxPooling2D.class, AveragePooling2D.class, GlobalAveragePooling1D.class,
      GlobalMaxPooling1D.class, Flatten.class, Reshape.class, Dropout.class, ActivationLayer.class,
      BatchNormalization.class, Embedding.class, LSTM.class, MultiHeadAttention.class);

  private final ModelSpec spec;
  private final Map<String, HostArray> weights;
  private final TfliteFlavour flavour;
  private final TfliteGraph g = new TfliteGraph();
  private final Map<Node, Integer> tensorOf = new IdentityHashMap<>();
  private final Map<Node, Node> foldedInto = new IdentityHashMap<>(); // conv/dense node -> the BN it absorbs
  private final List<String> problems = new ArrayList<>();
  /** Weight tensors stored as 1x4 blocks, which FULLY_CONNECTED reads directly (version 8). */
  private final Set<Integer> blockSparse = new java.util.HashSet<>();
  /**
   * A mask_zero Embedding node (or a sequence-returning LSTM it feeds, which passes the mask on) -> the
   * Embedding's int32 ids tensor, from which the LSTM after it builds its mask.
   */
  private final Map<Node, Integer> maskIds = new IdentityHashMap<>();

  private Lowering(ModelSpec spec, Map<String, HostArray> weights, TfliteFlavour flavour) {
    this.spec = spec;
    this.weights = weights;
    this.flavour = flavour;
  }

  /** The graph of {@code spec} with {@code weights} (a stripped model's), or every unsupported layer at once. */
  static TfliteGraph lower(ModelSpec spec, Map<String, HostArray> weights, TfliteFlavour flavour) {
    Lowering l = new Lowering(spec, weights, flavour);
    l.findFolds();
    for (Node n : spec.nodes()) {
      l.node(n);
    }
    if (!l.problems.isEmpty()) {
      throw new UnsupportedLayersException(l.problems);
    }
    for (int i = 0; i < spec.outputs().size(); i++) {
      l.g.outputs.add(l.tensorOf.get(spec.outputs().get(i)));
      l.g.outputNames.add(spec.outputName(i));
    }
    return l.g;
  }

  private void findFolds() {
    Map<Node, Integer> consumers = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      for (Node in : n.inputs()) {
        consumers.merge(in, 1, Integer::sum);
      }
    }
    for (Node n : spec.nodes()) {
      if (n.isInput() || n.layer().getClass() != BatchNormalization.class) {
        continue;
      }
      Node prev = n.inputs().get(0);
      if (prev.isInput() || spec.outputs().contains(prev) || consumers.getOrDefault(prev, 0) != 1) {
        continue;
      }
      Class<?> c = prev.layer().getClass();
      boolean foldable = c == Dense.class || c == Conv2D.class || c == DepthwiseConv2D.class;
      if (foldable && activationOf(prev.layer()) == Activation.LINEAR && timesUsed(prev.layer()) == 1
          && timesUsed(n.layer()) == 1) {
        foldedInto.put(prev, n);
      }
    }
  }

  private int timesUsed(Layer layer) {
    int count = 0;
    for (Node n : spec.nodes()) {
      if (!n.isInput() && n.layer() == layer && !n.isFurtherOutput()) {
        count++;
      }
    }
    return count;
  }

  /** The activation of a built-in layer that has one (the only layers this lowering asks). */
  private static Activation activationOf(Layer layer) {
    if (layer instanceof Dense d) {
      return d.activation();
    }
    if (layer instanceof BaseConv2D<?> c) {
      return c.activation();
    }
    if (layer instanceof BaseDepthwiseConv2D<?> d) {
      return d.activation();
    }
    if (layer instanceof ActivationLayer a) {
      return a.activation();
    }
    throw new IllegalArgumentException(layer.typeName() + " has no activation of its own");
  }

  private String describe(Node n) {
    return "'" + spec.layerName(n.layer()) + "' (" + n.layer().typeName() + ")";
  }

  private void node(Node n) {
    if (n.isInput()) {
      int[] shape = shape(n);
      int t = g.add(new TfliteGraph.Tensor(spec.inputName(n), shape, signature(n), Schema.FLOAT32, null, null, null));
      tensorOf.put(n, t);
      g.inputs.add(t);
      g.inputNames.add(spec.inputName(n));
      return;
    }
    List<Integer> in = new ArrayList<>();
    for (Node i : n.inputs()) {
      Integer t = tensorOf.get(i);
      in.add(t == null ? -1 : t);
    }
    Layer layer = n.layer();
    if (n.isFurtherOutput()) {
      refuse(n, "further outputs (states) are not supported");
      return;
    }
    if (shapeProblem(n)) {
      return;
    }
    Class<?> c = layer.getClass();
    if (!CLASSES.contains(c)) {
      TfliteLowering<Layer> registered = registeredLowering(c);
      if (registered != null) {
        custom(n, in, registered);
      } else if (layer instanceof LoweredLayer lowered) {
        lowered(n, in, lowered);
      } else {
        refuse(n, "no TFLite lowering for this layer type (describe its math in Primitives as a LoweredLayer, or give"
            + " its LayerType a TfliteLowering part)");
      }
      return;
    }
    try {
      if (c == Dense.class) {
        dense(n, in.get(0), (Dense) layer);
      } else if (c == Conv2D.class) {
        conv2d(n, in.get(0), (Conv2D) layer);
      } else if (c == DepthwiseConv2D.class || c == SeparableConv2D.class) {
        depthwise(n, in.get(0), (BaseDepthwiseConv2D<?>) layer);
      } else if (c == GroupedConv2D.class) {
        groupedConv(n, in.get(0), (GroupedConv2D) layer);
      } else if (c == MaxPooling2D.class || c == AveragePooling2D.class) {
        pool(n, in.get(0), (BasePooling2D<?>) layer, c == MaxPooling2D.class ? Schema.MAX_POOL_2D
            : Schema.AVERAGE_POOL_2D);
      } else if (c == GlobalAveragePooling1D.class || c == GlobalMaxPooling1D.class) {
        boolean avg = c == GlobalAveragePooling1D.class;
        int rank = n.inputs().get(0).shape().numDimensions();
        int[] axes = new int[rank - 2];
        for (int a = 0; a < axes.length; a++) {
          axes[a] = a + 1;
        }
        int axesTensor = constInts(name(n) + "_axes", axes);
        boolean keep = ((BaseGlobalPooling<?>) layer).keepDims();
        emit(n, avg ? Schema.MEAN : Schema.REDUCE_MAX, 1, new int[] {in.get(0), axesTensor},
            options(Schema.OPT_REDUCER, Schema.Reducer.FIELDS,
                new TfliteGraph.Field(Schema.Reducer.KEEP_DIMS, 'z', keep ? 1 : 0)));
      } else if (c == Flatten.class || c == Reshape.class) {
        long[] dims = n.shape().asArray();
        int[] target = new int[dims.length];
        target[0] = -1;
        for (int d = 1; d < dims.length; d++) {
          target[d] = (int) dims[d];
        }
        emit(n, Schema.RESHAPE, 1, new int[] {in.get(0), constInts(name(n) + "_shape", target)}, TfliteGraph.Options.NONE);
      } else if (c == Dropout.class) {
        tensorOf.put(n, in.get(0)); // identity at inference
      } else if (c == ActivationLayer.class) {
        Activation a = activationOf(layer);
        if (a == Activation.LINEAR) {
          tensorOf.put(n, in.get(0));
        } else if (a == Activation.RELU || a == Activation.RELU6) {
          emit(n, a == Activation.RELU ? Schema.RELU : Schema.RELU6, 1, new int[] {in.get(0)}, TfliteGraph.Options.NONE);
        } else {
          requireActivation(n, a);
          tensorOf.put(n, activation(n, in.get(0), a, name(n)));
        }
      } else if (c == BatchNormalization.class) {
        batchNorm(n, in.get(0), (BatchNormalization) layer);
      } else if (c == Embedding.class) {
        embedding(n, in.get(0), (Embedding) layer);
      } else if (c == LSTM.class) {
        lstm(n, in.get(0), (LSTM) layer);
      } else if (c == MultiHeadAttention.class) {
        multiHeadAttention(n, in, (MultiHeadAttention) layer);
      } else {
        refuse(n, "no TFLite builtin for this layer type");
      }
    } catch (Unsupported e) {
      refuse(n, e.getMessage());
    }
  }

  static boolean isBuiltIn(Class<?> type) {
    return CLASSES.contains(type);
  }

  /** The {@link TfliteLowering} part of the registered type of exactly {@code type}, if any. */
  @SuppressWarnings("unchecked")
  static @Nullable TfliteLowering<Layer> registeredLowering(Class<?> type) {
    return (TfliteLowering<Layer>) ConfigRegistry.layerType(type).flatMap(t -> t.part(TfliteLowering.class)).orElse(null);
  }

  /** A layer described in primitives: its lowering written as builtins; its failures listed as problems. */
  private void lowered(Node n, List<Integer> in, LoweredLayer layer) {
    LoweredPrimitives p = new LoweredPrimitives(new LoweredPrimitives.Host() {
      @Override
      public TfliteGraph graph() {
        return g;
      }

      @Override
      public int constant(String name, float[] values, int[] shape) {
        return constFloats(name, values, shape);
      }

      @Override
      public int ints(String name, int[] values) {
        return constInts(name, values);
      }

      @Override
      public float[] weightValues(String weight) {
        return values(layer, weight);
      }

      @Override
      public int[] weightShape(String weight) {
        return java.util.Arrays.stream(spec.weight(layer, weight).shape().asArray()).mapToInt(Math::toIntExact).toArray();
      }

      @Override
      public boolean activation(Activation a, int x, int out) {
        return SEPARATE.contains(a) && activationInto(x, a, out, name(n));
      }
    }, name(n));
    List<Integer> inputs = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      inputs.add(p.input(in.get(i), java.util.Arrays.copyOfRange(shape(n.inputs().get(i)), 1, shape(n.inputs().get(i)).length)));
    }
    int out;
    try {
      out = layer.lower(p, inputs);
    } catch (RuntimeException e) {
      refuse(n, "its lowering to TFLite builtins failed: " + e.getMessage());
      return;
    }
    int[] expected = java.util.Arrays.copyOfRange(shape(n), 1, shape(n).length);
    if (!p.isBatched(out) || !java.util.Arrays.equals(p.shape(out), expected)) {
      refuse(n, "its lowering gives shape " + java.util.Arrays.toString(p.shape(out)) + ", its output is "
          + java.util.Arrays.toString(expected));
      return;
    }
    tensorOf.put(n, out);
  }

  /** A registered lowering's node: its exceptions are listed with the node like any other problem. */
  private void custom(Node n, List<Integer> in, TfliteLowering<Layer> lowering) {
    Context ctx = new Context(n, in);
    try {
      lowering.lower(n.layer(), ctx);
    } catch (RuntimeException e) {
      refuse(n, "its registered lowering failed: " + e.getMessage());
      return;
    }
    if (!tensorOf.containsKey(n)) {
      refuse(n, "its registered lowering did not call output()");
    }
  }

  private final class Context implements LoweringContext {
    private final Node n;
    private final List<Integer> in;
    private int count;

    Context(Node n, List<Integer> in) {
      this.n = n;
      this.in = List.copyOf(in);
    }

    private int next(String what) {
      return activationTensor(n, name(n) + "_" + what + "_" + count++);
    }

    @Override
    public List<Integer> inputs() {
      return in;
    }

    @Override
    public int[] outputShape() {
      int[] s = shape(n);
      return java.util.Arrays.copyOfRange(s, 1, s.length);
    }

    @Override
    public HostArray weight(String name) {
      HostArray a = weights.get(spec.variableName(n.layer(), name));
      if (a == null) {
        throw new IllegalArgumentException("no weight " + spec.variableName(n.layer(), name) + " among "
            + weights.keySet());
      }
      return a;
    }

    @Override
    public String variableName(String weight) {
      return spec.variableName(n.layer(), weight);
    }

    @Override
    public int constant(String name, float[] values, int... shape) {
      checkSize(name, values, shape);
      return constFloats(name, values.clone(), shape.clone());
    }

    @Override
    public int fullyConnectedKernel(String name, float[] outIn, int out, int inputs) {
      int[] shape = {out, inputs};
      checkSize(name, outIn, shape);
      return Lowering.this.weight(name, outIn.clone(), shape, Use.FULLY_CONNECTED);
    }

    @Override
    public int fullyConnected(int x, int kernel, int bias) {
      int out = next("fc");
      fullyConnectedOp(x, kernel, bias, out, Schema.ACT_NONE, n.inputs().get(0).shape().numDimensions() > 2);
      return out;
    }

    @Override
    public int mul(int a, int b) {
      int out = next("mul");
      g.op(Schema.MUL, 1, new int[] {a, b}, new int[] {out}, options(Schema.OPT_MUL, Schema.Binary.FIELDS));
      return out;
    }

    @Override
    public int add(int a, int b) {
      int out = next("add");
      g.op(Schema.ADD, 1, new int[] {a, b}, new int[] {out}, options(Schema.OPT_ADD, Schema.Binary.FIELDS));
      return out;
    }

    @Override
    public int logistic(int x) {
      return unary(Schema.LOGISTIC, x, "logistic");
    }

    @Override
    public int tanh(int x) {
      return unary(Schema.TANH, x, "tanh");
    }

    @Override
    public int relu(int x) {
      return unary(Schema.RELU, x, "relu");
    }

    private int unary(int builtin, int x, String what) {
      int out = next(what);
      g.op(builtin, 1, new int[] {x}, new int[] {out}, TfliteGraph.Options.NONE);
      return out;
    }

    @Override
    public void output(int tensor) {
      if (tensorOf.containsKey(n)) {
        throw new IllegalStateException("output() called twice");
      }
      if (tensor < 0 || tensor >= g.tensors.size()) {
        throw new IllegalArgumentException("no tensor " + tensor);
      }
      tensorOf.put(n, tensor);
    }

    private static void checkSize(String name, float[] values, int[] shape) {
      long size = 1;
      for (int d : shape) {
        if (d <= 0) {
          throw new IllegalArgumentException("constant '" + name + "' has shape " + java.util.Arrays.toString(shape));
        }
        size *= d;
      }
      if (size != values.length) {
        throw new IllegalArgumentException("constant '" + name + "' has " + values.length + " values for shape "
            + java.util.Arrays.toString(shape));
      }
    }
  }

  /** Lists the problem and gives the node a stand-in tensor, so that the layers after it are checked too. */
  private void refuse(Node n, String problem) {
    problems.add(describe(n) + ": " + problem);
    if (!tensorOf.containsKey(n)) {
      tensorOf.put(n, g.add(new TfliteGraph.Tensor(name(n) + "_refused", new int[0], null, Schema.FLOAT32, null, null,
          null)));
    }
  }

  /** A setting of a supported layer that TFLite cannot express. */
  private static final class Unsupported extends RuntimeException {
    Unsupported(String message) {
      super(message, null, false, false);
    }
  }

  private boolean shapeProblem(Node n) {
    long[] dims = n.shape().asArray();
    for (int d = 1; d < dims.length; d++) {
      if (dims[d] < 0 || dims[d] > Integer.MAX_VALUE) {
        refuse(n, "output shape " + n.shape() + " has a dimension that is not known");
        return true;
      }
    }
    return false;
  }

  private String name(Node n) {
    return spec.layerName(n.layer());
  }

  private static int[] shape(Node n) {
    long[] dims = n.shape().asArray();
    int[] out = new int[dims.length];
    out[0] = 1;
    for (int d = 1; d < dims.length; d++) {
      out[d] = (int) dims[d];
    }
    return out;
  }

  private static int[] signature(Node n) {
    int[] s = shape(n);
    s[0] = -1;
    return s;
  }

  private int activationTensor(Node n, String name) {
    return g.add(new TfliteGraph.Tensor(name, shape(n), signature(n), Schema.FLOAT32, null, null, null));
  }

  private void emit(Node n, int builtin, int version, int[] inputs, TfliteGraph.Options options) {
    int out = activationTensor(n, name(n));
    g.op(builtin, version, inputs, new int[] {out}, options);
    tensorOf.put(n, out);
  }

  private static TfliteGraph.Options options(byte type, int fields, TfliteGraph.Field... values) {
    return new TfliteGraph.Options(type, fields, List.of(values));
  }

  private static byte fused(Activation a) {
    return a == Activation.RELU ? Schema.ACT_RELU : a == Activation.RELU6 ? Schema.ACT_RELU6 : Schema.ACT_NONE;
  }

  private static final Set<Activation> SEPARATE = Set.of(Activation.SIGMOID, Activation.TANH, Activation.SOFTMAX,
      Activation.ELU, Activation.GELU, Activation.SWISH, Activation.EXPONENTIAL, Activation.HARD_SIGMOID_KERAS3,
      Activation.HARD_SILU, Activation.LEAKY_RELU, Activation.GELU_APPROXIMATE);

  private static void requireActivation(Node n, Activation a) {
    if (a != Activation.LINEAR && a != Activation.RELU && a != Activation.RELU6 && !SEPARATE.contains(a)) {
      throw new Unsupported("activation '" + a.kerasName() + "' has no TFLite builtin");
    }
  }

  /** The ops after a layer's main op for an activation that is not fused; returns the final tensor. */
  private int activation(Node n, int x, Activation a, String name) {
    if (!SEPARATE.contains(a)) {
      return x;
    }
    int out = activationTensor(n, name + "_" + a.kerasName());
    activationInto(x, a, out, name);
    return out;
  }

  /** The ops of activation {@code a} (one of {@link #SEPARATE}) from {@code x} into tensor {@code out}. */
  private boolean activationInto(int x, Activation a, int out, String name) {
    switch (a) {
      case SIGMOID -> g.op(Schema.LOGISTIC, 1, new int[] {x}, new int[] {out}, TfliteGraph.Options.NONE);
      case TANH -> g.op(Schema.TANH, 1, new int[] {x}, new int[] {out}, TfliteGraph.Options.NONE);
      case SOFTMAX -> g.op(Schema.SOFTMAX, 1, new int[] {x}, new int[] {out},
          options(Schema.OPT_SOFTMAX, Schema.Softmax.FIELDS, new TfliteGraph.Field(Schema.Softmax.BETA, 'f', 1.0)));
      case ELU -> g.op(Schema.ELU, 1, new int[] {x}, new int[] {out}, TfliteGraph.Options.NONE);
      case GELU -> g.op(Schema.GELU, 1, new int[] {x}, new int[] {out},
          options(Schema.OPT_GELU, Schema.Gelu.FIELDS)); // exact (erf) GELU: approximate = false
      case GELU_APPROXIMATE -> g.op(Schema.GELU, 1, new int[] {x}, new int[] {out},
          options(Schema.OPT_GELU, Schema.Gelu.FIELDS, new TfliteGraph.Field(Schema.Gelu.APPROXIMATE, 'z', 1)));
      case HARD_SILU -> g.op(Schema.HARD_SWISH, 1, new int[] {x}, new int[] {out}, TfliteGraph.Options.NONE);
      case HARD_SIGMOID_KERAS3 -> { // relu6(x + 3) / 6, as Keras 3 computes it
        int shifted = like(out, "_plus3");
        g.op(Schema.ADD, 1, new int[] {x, constFloats(name + "_three", new float[] {3f}, new int[0])}, new int[] {shifted},
            options(Schema.OPT_ADD, Schema.Binary.FIELDS));
        int clipped = like(out, "_relu6");
        g.op(Schema.RELU6, 1, new int[] {shifted}, new int[] {clipped}, TfliteGraph.Options.NONE);
        g.op(Schema.DIV, 1, new int[] {clipped, constFloats(name + "_six", new float[] {6f}, new int[0])},
            new int[] {out}, TfliteGraph.Options.NONE);
      }
      case LEAKY_RELU -> { // max(x, 0.2 x), as TF's leaky_relu
        int scaled = like(out, "_scaled");
        g.op(Schema.MUL, 1, new int[] {x, constFloats(name + "_slope", new float[] {0.2f}, new int[0])},
            new int[] {scaled}, options(Schema.OPT_MUL, Schema.Binary.FIELDS));
        g.op(Schema.MAXIMUM, 1, new int[] {x, scaled}, new int[] {out}, TfliteGraph.Options.NONE);
      }
      case EXPONENTIAL -> g.op(Schema.EXP, 1, new int[] {x}, new int[] {out}, TfliteGraph.Options.NONE);
      case SWISH -> {
        TfliteGraph.Tensor like = g.tensors.get(out);
        int sig = g.add(new TfliteGraph.Tensor(like.name() + "_sigmoid", like.shape(), like.signature(), Schema.FLOAT32,
            null, null, null));
        g.op(Schema.LOGISTIC, 1, new int[] {x}, new int[] {sig}, TfliteGraph.Options.NONE);
        g.op(Schema.MUL, 1, new int[] {x, sig}, new int[] {out}, options(Schema.OPT_MUL, Schema.Binary.FIELDS));
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** A float tensor shaped as {@code like}, for an intermediate value of an activation. */
  private int like(int like, String suffix) {
    TfliteGraph.Tensor t = g.tensors.get(like);
    return g.add(new TfliteGraph.Tensor(t.name() + suffix, t.shape(), t.signature(), Schema.FLOAT32, null, null, null));
  }

  /** The op's output tensor (with a fused activation) then any separate activation ops. */
  private void withActivation(Node n, Activation a, OpEmitter main) {
    requireActivation(n, a);
    int out = activationTensor(n, SEPARATE.contains(a) ? name(n) + "_linear" : name(n));
    main.emit(out, fused(a));
    Node bn = foldedInto.get(n);
    int result = activation(n, out, a, name(n));
    tensorOf.put(n, result);
    if (bn != null) {
      tensorOf.put(bn, result);
    }
  }

  @FunctionalInterface
  private interface OpEmitter {
    void emit(int output, byte fusedActivation);
  }

  private float[] values(Layer layer, String weight) {
    HostArray a = weights.get(spec.variableName(layer, weight));
    if (a == null) {
      throw new IllegalArgumentException("no weight " + spec.variableName(layer, weight) + " among " + weights.keySet());
    }
    return a.floats();
  }

  private static byte padding(Padding p) {
    return p == Padding.SAME ? Schema.SAME : Schema.VALID;
  }

  /** Folds the BatchNormalization that {@code n} absorbs into {@code kernel} (output channel last) and the bias. */
  private float[] fold(Node n, float[] kernel, float[] bias) {
    Node bn = foldedInto.get(n);
    if (bn == null) {
      return bias;
    }
    BatchNormalization b = (BatchNormalization) bn.layer();
    BatchNormalization.Inference f = b.inference(w -> values(b, w));
    int channels = f.scale().length;
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      float scale = f.scale()[c];
      out[c] = (bias[c] - f.mean()[c]) * scale + f.beta()[c];
      for (int i = c; i < kernel.length; i += channels) {
        kernel[i] *= scale;
      }
    }
    return out;
  }

  /** The bias tensor's name: the layer's bias, or for a layer without one whose BN was folded, the BN's beta. */
  private String biasName(Node n, boolean useBias) {
    Node bn = foldedInto.get(n);
    if (!useBias && bn != null) {
      return spec.variableName(bn.layer(), "beta");
    }
    return spec.variableName(n.layer(), "bias");
  }

  private void dense(Node n, int x, Dense layer) {
    float[] kernel = values(layer, "kernel").clone();
    int units = layer.units();
    int in = kernel.length / units;
    boolean useBias = layer.useBias();
    float[] bias = fold(n, kernel, useBias ? values(layer, "bias") : new float[units]);
    float[] transposed = new float[kernel.length];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < units; o++) {
        transposed[o * in + i] = kernel[i * units + o];
      }
    }
    int w = weight(spec.variableName(layer, "kernel"), transposed, new int[] {units, in}, Use.FULLY_CONNECTED);
    int b = constFloats(biasName(n, useBias), bias, new int[] {units});
    boolean keepDims = n.inputs().get(0).shape().numDimensions() > 2;
    withActivation(n, activationOf(layer), (out, act) -> fullyConnectedOp(x, w, b, out, act, keepDims));
  }

  /** FULLY_CONNECTED with the version its weight needs: hybrid int8 12, block-sparse 8, keep_num_dims 5. */
  private void fullyConnectedOp(int x, int w, int b, int out, byte act, boolean keepDims) {
    boolean hybrid = g.tensors.get(w).type() == Schema.INT8;
    int version = hybrid ? 12 : blockSparse.contains(w) ? 8 : keepDims ? 5 : 1;
    g.op(Schema.FULLY_CONNECTED, version, new int[] {x, w, b}, new int[] {out},
        options(Schema.OPT_FULLY_CONNECTED, Schema.FullyConnected.FIELDS,
            new TfliteGraph.Field(Schema.FullyConnected.ACTIVATION, 'b', act),
            new TfliteGraph.Field(Schema.FullyConnected.KEEP_NUM_DIMS, 'z', keepDims ? 1 : 0),
            new TfliteGraph.Field(Schema.FullyConnected.ASYMMETRIC_QUANTIZE_INPUTS, 'z', hybrid ? 1 : 0)));
  }

  private void conv2d(Node n, int x, Conv2D layer) {
    int dilation = layer.dilation();
    byte padding = padding(layer.padding());
    int filters = layer.filters();
    float[] kernel = values(layer, "kernel").clone(); // [h, w, in, out]
    int kh = layer.kernelHeight();
    int kw = layer.kernelWidth();
    int in = kernel.length / (kh * kw * filters);
    boolean useBias = layer.useBias();
    float[] bias = fold(n, kernel, useBias ? values(layer, "bias") : new float[filters]);
    int w = weight(spec.variableName(layer, "kernel"), hwioToOhwi(kernel, kh, kw, in, filters),
        new int[] {filters, kh, kw, in}, Use.CONV);
    boolean hybrid = g.tensors.get(w).type() == Schema.INT8;
    int b = constFloats(biasName(n, useBias), bias, new int[] {filters});
    int version = hybrid ? 5 : dilation > 1 ? 2 : 1;
    withActivation(n, activationOf(layer), (out, act) -> g.op(Schema.CONV_2D, version, new int[] {x, w, b},
        new int[] {out}, convOptions(padding, layer.strideCols(), layer.strideRows(), act, dilation)));
  }

  private static TfliteGraph.Options convOptions(byte padding, int strideW, int strideH, byte act, int dilation) {
    return options(Schema.OPT_CONV_2D, Schema.Conv2D.FIELDS,
        new TfliteGraph.Field(Schema.Conv2D.PADDING, 'b', padding),
        new TfliteGraph.Field(Schema.Conv2D.STRIDE_W, 'i', strideW),
        new TfliteGraph.Field(Schema.Conv2D.STRIDE_H, 'i', strideH),
        new TfliteGraph.Field(Schema.Conv2D.ACTIVATION, 'b', act),
        new TfliteGraph.Field(Schema.Conv2D.DILATION_W, 'i', dilation),
        new TfliteGraph.Field(Schema.Conv2D.DILATION_H, 'i', dilation));
  }

  static float[] hwioToOhwi(float[] k, int h, int w, int in, int out) {
    float[] t = new float[k.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int i = 0; i < in; i++) {
          for (int o = 0; o < out; o++) {
            t[((o * h + y) * w + x) * in + i] = k[((y * w + x) * in + i) * out + o];
          }
        }
      }
    }
    return t;
  }

  private void depthwise(Node n, int x, BaseDepthwiseConv2D<?> layer) {
    boolean separable = layer instanceof SeparableConv2D;
    int k = layer.kernelSize();
    int stride = layer.strides();
    int multiplier = layer.depthMultiplier();
    byte padding = padding(layer.padding());
    float[] kernel = values(layer, "depthwise_kernel").clone(); // [k, k, in, m]: the bytes of [1, k, k, in * m]
    int channels = kernel.length / (k * k);
    int pointwise = separable ? ((SeparableConv2D) layer).filters() : 0;
    Activation a = layer.activation();
    boolean useBias = layer.useBias();
    if (!separable) {
      float[] bias = fold(n, kernel, useBias ? values(layer, "bias") : new float[channels]);
      int w = weight(spec.variableName(layer, "depthwise_kernel"), kernel, new int[] {1, k, k, channels}, Use.DEPTHWISE);
      int b = constFloats(biasName(n, useBias), bias, new int[] {channels});
      boolean hybrid = g.tensors.get(w).type() == Schema.INT8;
      withActivation(n, a, (out, act) -> g.op(Schema.DEPTHWISE_CONV_2D, hybrid ? 6 : 1, new int[] {x, w, b},
          new int[] {out}, depthwiseOptions(padding, stride, stride, multiplier, act, 1)));
      return;
    }
    int w = weight(spec.variableName(layer, "depthwise_kernel"), kernel, new int[] {1, k, k, channels}, Use.DEPTHWISE);
    int zero = constFloats(name(n) + "_depthwise_bias", new float[channels], new int[] {channels});
    long[] mid = n.shape().asArray().clone();
    mid[3] = channels;
    int[] midShape = new int[] {1, (int) mid[1], (int) mid[2], channels};
    int[] midSig = midShape.clone();
    midSig[0] = -1;
    int depthOut = g.add(new TfliteGraph.Tensor(name(n) + "_depthwise", midShape, midSig, Schema.FLOAT32, null, null, null));
    boolean hybridD = g.tensors.get(w).type() == Schema.INT8;
    g.op(Schema.DEPTHWISE_CONV_2D, hybridD ? 6 : 1, new int[] {x, w, zero}, new int[] {depthOut},
        depthwiseOptions(padding, stride, stride, multiplier, Schema.ACT_NONE, 1));
    float[] pk = values(layer, "pointwise_kernel"); // [1, 1, channels, filters]
    int pw = weight(spec.variableName(layer, "pointwise_kernel"), hwioToOhwi(pk, 1, 1, channels, pointwise),
        new int[] {pointwise, 1, 1, channels}, Use.CONV);
    boolean hybrid = g.tensors.get(pw).type() == Schema.INT8;
    int b = useBias ? constFloats(spec.variableName(layer, "bias"), values(layer, "bias"), new int[] {pointwise})
        : constFloats(name(n) + "_zero_bias", new float[pointwise], new int[] {pointwise});
    withActivation(n, a, (out, act) -> g.op(Schema.CONV_2D, hybrid ? 5 : 1, new int[] {depthOut, pw, b},
        new int[] {out}, convOptions(Schema.VALID, 1, 1, act, 1)));
  }

  private static TfliteGraph.Options depthwiseOptions(byte padding, int strideW, int strideH, int multiplier, byte act,
      int dilation) {
    return options(Schema.OPT_DEPTHWISE_CONV_2D, Schema.Depthwise.FIELDS,
        new TfliteGraph.Field(Schema.Depthwise.PADDING, 'b', padding),
        new TfliteGraph.Field(Schema.Depthwise.STRIDE_W, 'i', strideW),
        new TfliteGraph.Field(Schema.Depthwise.STRIDE_H, 'i', strideH),
        new TfliteGraph.Field(Schema.Depthwise.DEPTH_MULTIPLIER, 'i', multiplier),
        new TfliteGraph.Field(Schema.Depthwise.ACTIVATION, 'b', act),
        new TfliteGraph.Field(Schema.Depthwise.DILATION_W, 'i', dilation),
        new TfliteGraph.Field(Schema.Depthwise.DILATION_H, 'i', dilation));
  }

  /**
   * A grouped convolution with one channel per group (ConvNeXt's 7x7) is a depthwise convolution with
   * multiplier {@code filters / channels}: its kernel {@code [kh, kw, 1, filters]} has the bytes of TFLite's
   * {@code [1, kh, kw, channels * m]} (filter {@code c * m + j} in both). Other groupings are refused: CONV_2D's
   * grouped form runs in TFLite's reference kernels only.
   */
  private void groupedConv(Node n, int x, GroupedConv2D layer) {
    int channels = (int) n.inputs().get(0).shape().get(3);
    if (channels != layer.groups()) {
      refuse(n, layer.groups() + " groups over " + channels + " channels: only one channel per group (a depthwise"
          + " convolution) is written; TFLite runs grouped CONV_2D in its reference kernels only");
      return;
    }
    int kh = layer.kernelHeight();
    int kw = layer.kernelWidth();
    int filters = layer.filters();
    boolean useBias = layer.useBias();
    int w = weight(spec.variableName(layer, "kernel"), values(layer, "kernel"), new int[] {1, kh, kw, filters},
        Use.DEPTHWISE);
    int b = constFloats(biasName(n, useBias), useBias ? values(layer, "bias") : new float[filters], new int[] {filters});
    boolean hybrid = g.tensors.get(w).type() == Schema.INT8;
    int version = hybrid ? 6 : layer.dilation() > 1 ? 2 : 1;
    withActivation(n, layer.activation(), (out, act) -> g.op(Schema.DEPTHWISE_CONV_2D, version, new int[] {x, w, b},
        new int[] {out}, depthwiseOptions(padding(layer.padding()), layer.strideCols(), layer.strideRows(),
            filters / channels, act, layer.dilation())));
  }

  private void pool(Node n, int x, BasePooling2D<?> layer, int builtin) {
    emit(n, builtin, 1, new int[] {x}, options(Schema.OPT_POOL_2D, Schema.Pool2D.FIELDS,
        new TfliteGraph.Field(Schema.Pool2D.PADDING, 'b', padding(layer.padding())),
        new TfliteGraph.Field(Schema.Pool2D.STRIDE_W, 'i', layer.strideCols()),
        new TfliteGraph.Field(Schema.Pool2D.STRIDE_H, 'i', layer.strideRows()),
        new TfliteGraph.Field(Schema.Pool2D.FILTER_W, 'i', layer.poolCols()),
        new TfliteGraph.Field(Schema.Pool2D.FILTER_H, 'i', layer.poolRows())));
  }

  /** A BatchNormalization not folded: x * scale + shift per channel (MUL, ADD), as inference computes it. */
  private void batchNorm(Node n, int x, BatchNormalization b) {
    if (tensorOf.containsKey(n)) {
      return; // folded into the layer before it
    }
    BatchNormalization.Inference f = b.inference(w -> values(b, w));
    int channels = f.scale().length;
    int sc = constFloats(name(n) + "_scale", f.scale(), new int[] {channels});
    int sh = constFloats(name(n) + "_shift", f.shift(), new int[] {channels});
    int mid = activationTensor(n, name(n) + "_scaled");
    g.op(Schema.MUL, 1, new int[] {x, sc}, new int[] {mid}, options(Schema.OPT_MUL, Schema.Binary.FIELDS));
    emit(n, Schema.ADD, 1, new int[] {mid, sh}, options(Schema.OPT_ADD, Schema.Binary.FIELDS));
  }

  private void embedding(Node n, int x, Embedding layer) {
    boolean masked = layer.maskZero();
    if (masked) {
      for (Node m : spec.nodes()) {
        if (m.inputs().contains(n) && (m.isInput() || m.layer().getClass() != LSTM.class)) {
          throw new Unsupported("mask_zero: only an LSTM straight after it can honour the mask in TFLite, not "
              + describe(m));
        }
      }
    }
    int vocabulary = layer.inputDim();
    int dim = layer.outputDim();
    int w = weight(spec.variableName(layer, "embeddings"), values(layer, "embeddings"), new int[] {vocabulary, dim},
        Use.GATHER);
    Node input = n.inputs().get(0);
    int ids = g.add(new TfliteGraph.Tensor(name(n) + "_ids", shape(input), signature(input), Schema.INT32, null, null,
        null));
    g.op(Schema.CAST, 1, new int[] {x}, new int[] {ids}, options(Schema.OPT_CAST, Schema.Cast.FIELDS,
        new TfliteGraph.Field(Schema.Cast.IN_TYPE, 'b', Schema.FLOAT32),
        new TfliteGraph.Field(Schema.Cast.OUT_TYPE, 'b', Schema.INT32)));
    if (masked) {
      maskIds.put(n, ids);
    }
    TfliteGraph.Tensor params = g.tensors.get(w);
    TfliteGraph.Options gather = options(Schema.OPT_GATHER, Schema.Gather.FIELDS);
    if (params.type() != Schema.INT8) {
      emit(n, Schema.GATHER, 1, new int[] {w, ids}, gather);
      return;
    }
    // int8 rows are gathered, then dequantised (as the converter writes a quantized embedding).
    int rows = g.add(new TfliteGraph.Tensor(name(n) + "_int8", shape(n), signature(n), Schema.INT8, null,
        params.quantization(), null));
    g.op(Schema.GATHER, 2, new int[] {w, ids}, new int[] {rows}, gather);
    emit(n, Schema.DEQUANTIZE, 2, new int[] {rows}, TfliteGraph.Options.NONE);
  }

  private int floatTensor(String name, int... dims) {
    int[] sig = dims.clone();
    sig[0] = -1;
    return g.add(new TfliteGraph.Tensor(name, dims, sig, Schema.FLOAT32, null, null, null));
  }

  /**
   * An LSTM as its unrolled steps (as Topiary's own masked path computes it), since TFLite's
   * UNIDIRECTIONAL_SEQUENCE_LSTM cannot keep the state on padding steps: the input projection of all
   * steps in one FULLY_CONNECTED, then per step GATHER of the step, FULLY_CONNECTED of h by the
   * recurrent kernel, ADD, GATHER of the four gates (i, f, c, o), LOGISTIC/TANH, MUL/ADD; with a
   * mask_zero Embedding before it, the new state is keep * new + (1 - keep) * old per example. With
   * return_sequences each step's h (after that blend: a padding step repeats the previous output, as the
   * model computes it) is RESHAPEd to {@code (1, units)} and the steps CONCATENATEd in processing order
   * (reversed with go_backwards, as Keras); the mask goes on to the LSTMs after it.
   */
  private void lstm(Node n, int x, LSTM layer) {
    if (layer.returnsState()) {
      throw new Unsupported("return_state is not supported (the states would be further outputs): only the last"
          + " output or the sequence (return_sequences)");
    }
    boolean sequences = layer.returnsSequences();
    if (sequences && maskIds.containsKey(n.inputs().get(0))) {
      for (Node m : spec.nodes()) {
        if (m.inputs().contains(n) && (m.isInput() || m.layer().getClass() != LSTM.class)) {
          throw new Unsupported("its output carries the mask of a mask_zero Embedding: only an LSTM straight after it"
              + " can honour the mask in TFLite, not " + describe(m));
        }
      }
    }
    int units = layer.units();
    int gates = 4 * units;
    long[] inShape = n.inputs().get(0).shape().asArray();
    int steps = (int) inShape[1];
    int features = (int) inShape[2];
    String base = name(n);
    int wx = weight(spec.variableName(layer, "kernel"), transpose(values(layer, "kernel"), features, gates),
        new int[] {gates, features}, Use.FULLY_CONNECTED);
    int wh = weight(spec.variableName(layer, "recurrent_kernel"), transpose(values(layer, "recurrent_kernel"), units,
        gates), new int[] {gates, units}, Use.FULLY_CONNECTED);
    int bias = constFloats(spec.variableName(layer, "bias"), values(layer, "bias"), new int[] {gates});
    int projected = floatTensor(base + "_projected", 1, steps, gates);
    fullyConnectedOp(x, wx, bias, projected, Schema.ACT_NONE, true);
    int[] gate = new int[4];
    for (int k = 0; k < 4; k++) {
      int[] idx = new int[units];
      for (int u = 0; u < units; u++) {
        idx[u] = k * units + u;
      }
      gate[k] = constInts(base + "_gate" + k, idx);
    }
    Integer ids = maskIds.get(n.inputs().get(0));
    int keepAll = -1;
    int dropAll = -1;
    if (ids != null) {
      int zero = g.add(new TfliteGraph.Tensor(base + "_pad_id", new int[0], null, Schema.INT32,
          WeightEncoding.intBytes(new int[] {0}), null, null));
      keepAll = maskOf(base + "_keep", ids, zero, Schema.NOT_EQUAL, steps);
      dropAll = maskOf(base + "_drop", ids, zero, Schema.EQUAL, steps);
    }
    TfliteGraph.Options gather1 = options(Schema.OPT_GATHER, Schema.Gather.FIELDS,
        new TfliteGraph.Field(Schema.Gather.AXIS, 'i', 1));
    int h = constFloats(base + "_h0", new float[units], new int[] {1, units});
    int c = constFloats(base + "_c0", new float[units], new int[] {1, units});
    boolean backwards = layer.goesBackwards();
    int[] outputs = new int[sequences ? steps : 0];
    int stepShape = sequences ? constInts(base + "_step_shape", new int[] {-1, 1, units}) : -1;
    for (int i = 0; i < steps; i++) {
      int t = backwards ? steps - 1 - i : i;
      String p = base + "_t" + t;
      int step = g.add(new TfliteGraph.Tensor(p + "_index", new int[0], null, Schema.INT32,
          WeightEncoding.intBytes(new int[] {t}), null, null));
      int xt = floatTensor(p + "_x", 1, gates);
      g.op(Schema.GATHER, 1, new int[] {projected, step}, new int[] {xt}, gather1);
      int hr = floatTensor(p + "_hr", 1, gates);
      fullyConnectedOp(h, wh, -1, hr, Schema.ACT_NONE, false);
      int z = binary(Schema.ADD, xt, hr, floatTensor(p + "_z", 1, gates));
      int[] act = new int[4];
      for (int k = 0; k < 4; k++) {
        int raw = floatTensor(p + "_gate" + k, 1, units);
        g.op(Schema.GATHER, 1, new int[] {z, gate[k]}, new int[] {raw}, gather1);
        act[k] = floatTensor(p + "_gate" + k + (k == 2 ? "_tanh" : "_sigmoid"), 1, units);
        g.op(k == 2 ? Schema.TANH : Schema.LOGISTIC, 1, new int[] {raw}, new int[] {act[k]}, TfliteGraph.Options.NONE);
      }
      int fc = binary(Schema.MUL, act[1], c, floatTensor(p + "_fc", 1, units));
      int ig = binary(Schema.MUL, act[0], act[2], floatTensor(p + "_ig", 1, units));
      int cNew = binary(Schema.ADD, fc, ig, floatTensor(p + "_c", 1, units));
      int tc = floatTensor(p + "_tanh_c", 1, units);
      g.op(Schema.TANH, 1, new int[] {cNew}, new int[] {tc}, TfliteGraph.Options.NONE);
      int hNew = binary(Schema.MUL, act[3], tc, floatTensor(p + "_h", 1, units));
      if (ids != null) {
        int keep = floatTensor(p + "_keep", 1, 1);
        g.op(Schema.GATHER, 1, new int[] {keepAll, constInts(p + "_mask_index", new int[] {t})}, new int[] {keep}, gather1);
        int drop = floatTensor(p + "_drop", 1, 1);
        g.op(Schema.GATHER, 1, new int[] {dropAll, constInts(p + "_mask_index2", new int[] {t})}, new int[] {drop},
            gather1);
        hNew = blend(p + "_h_kept", keep, hNew, drop, h, units);
        cNew = blend(p + "_c_kept", keep, cNew, drop, c, units);
      }
      h = hNew;
      c = cNew;
      if (sequences) {
        outputs[i] = floatTensor(p + "_output", 1, 1, units);
        g.op(Schema.RESHAPE, 1, new int[] {h, stepShape}, new int[] {outputs[i]}, TfliteGraph.Options.NONE);
      }
    }
    if (!sequences) {
      tensorOf.put(n, h);
      return;
    }
    if (ids != null) {
      maskIds.put(n, ids); // the sequence keeps the input's mask (as the model's outputMask)
    }
    emit(n, Schema.CONCATENATION, 1, outputs, options(Schema.OPT_CONCATENATION, Schema.Concatenation.FIELDS,
        new TfliteGraph.Field(Schema.Concatenation.AXIS, 'i', 1)));
  }

  /**
   * Keras' MultiHeadAttention as the converter writes it: each projection one FULLY_CONNECTED on the
   * rank-3 sequence (keep_num_dims; kernel {@code [heads * keyDim, features]}, so it is stored as the flavour
   * asks: int8, CSR or 1x4 blocks), RESHAPE to {@code (steps, heads, keyDim)} and TRANSPOSE to heads first (the
   * key to {@code (heads, keyDim, steps)}); BATCH_MATMUL for the scores, MUL by {@code 1 / sqrt(keyDim)},
   * SOFTMAX over the value steps, BATCH_MATMUL with the values, back to {@code (steps, heads * keyDim)} and the
   * output projection. Inputs are query[, value[, key]] (key defaults to value, value to query).
   */
  private void multiHeadAttention(Node n, List<Integer> in, MultiHeadAttention layer) {
    int heads = layer.numHeads();
    int keyDim = layer.keyDim();
    int width = heads * keyDim;
    Node queryNode = n.inputs().get(0);
    Node valueNode = n.inputs().size() > 1 ? n.inputs().get(1) : queryNode;
    Node keyNode = n.inputs().size() > 2 ? n.inputs().get(2) : valueNode;
    int query = in.get(0);
    int value = in.size() > 1 ? in.get(1) : query;
    int key = in.size() > 2 ? in.get(2) : value;
    int queryFeatures = (int) queryNode.shape().get(2);
    int queryLength = (int) queryNode.shape().get(1);
    int valueLength = (int) valueNode.shape().get(1);
    String base = name(n);
    int q = projection(base + "_query", query, layer, "query", (int) queryNode.shape().get(1), queryFeatures, heads,
        keyDim, new int[] {0, 2, 1, 3});
    int k = projection(base + "_key", key, layer, "key", valueLength, (int) keyNode.shape().get(2), heads, keyDim,
        new int[] {0, 2, 3, 1});
    int v = projection(base + "_value", value, layer, "value", valueLength, (int) valueNode.shape().get(2), heads,
        keyDim, new int[] {0, 2, 1, 3});
    int scores = floatTensor(base + "_scores", 1, heads, queryLength, valueLength);
    g.op(Schema.BATCH_MATMUL, 1, new int[] {q, k}, new int[] {scores}, options(Schema.OPT_BATCH_MATMUL,
        Schema.BatchMatMul.FIELDS));
    int scale = constFloats(base + "_scale", new float[] {(float) (1 / Math.sqrt(keyDim))}, new int[0]);
    int scaled = binary(Schema.MUL, scores, scale, floatTensor(base + "_scaled_scores", 1, heads, queryLength,
        valueLength));
    if (layer.causal()) {
      // Keras' causal mask as a constant added to the scores: -1e9 where a query step would see a later
      // value step (TF's graph puts -1e9 there; either way its weight is exp(-1e9 - max) = 0).
      boolean[][] allowed = MultiHeadAttention.causalMask(queryLength, valueLength)[0];
      float[] bias = new float[queryLength * valueLength];
      for (int i = 0; i < queryLength; i++) {
        for (int j = 0; j < valueLength; j++) {
          bias[i * valueLength + j] = allowed[i][j] ? 0f : -1e9f;
        }
      }
      scaled = binary(Schema.ADD, scaled, constFloats(base + "_causal_mask", bias, new int[] {queryLength, valueLength}),
          floatTensor(base + "_masked_scores", 1, heads, queryLength, valueLength));
    }
    int weights = floatTensor(base + "_attention", 1, heads, queryLength, valueLength);
    g.op(Schema.SOFTMAX, 1, new int[] {scaled}, new int[] {weights}, options(Schema.OPT_SOFTMAX, Schema.Softmax.FIELDS,
        new TfliteGraph.Field(Schema.Softmax.BETA, 'f', 1.0)));
    int context = floatTensor(base + "_context", 1, heads, queryLength, keyDim);
    g.op(Schema.BATCH_MATMUL, 1, new int[] {weights, v}, new int[] {context}, options(Schema.OPT_BATCH_MATMUL,
        Schema.BatchMatMul.FIELDS));
    int stepsFirst = floatTensor(base + "_context_steps", 1, queryLength, heads, keyDim);
    g.op(Schema.TRANSPOSE, 1, new int[] {context, constInts(base + "_context_perm", new int[] {0, 2, 1, 3})},
        new int[] {stepsFirst}, TfliteGraph.Options.NONE);
    int flat = floatTensor(base + "_context_flat", 1, queryLength, width);
    g.op(Schema.RESHAPE, 1, new int[] {stepsFirst, constInts(base + "_context_shape", new int[] {-1, queryLength,
        width})}, new int[] {flat}, TfliteGraph.Options.NONE);
    // output_kernel [heads, keyDim, features] is [heads * keyDim, features]: FULLY_CONNECTED's [features, width].
    int w = weight(spec.variableName(layer, "output_kernel"), transpose(values(layer, "output_kernel"), width,
        queryFeatures), new int[] {queryFeatures, width}, Use.FULLY_CONNECTED);
    int b = constFloats(spec.variableName(layer, "output_bias"), values(layer, "output_bias"),
        new int[] {queryFeatures});
    int out = activationTensor(n, base);
    fullyConnectedOp(flat, w, b, out, Schema.ACT_NONE, true);
    tensorOf.put(n, out);
  }

  /**
   * One attention projection: FULLY_CONNECTED of {@code x} {@code (steps, features)} by the layer's
   * {@code <which>_kernel [features, heads, keyDim]} plus bias, RESHAPE to {@code (steps, heads, keyDim)},
   * TRANSPOSE by {@code perm} (of the four dimensions with the batch).
   */
  private int projection(String base, int x, MultiHeadAttention layer, String which, int steps, int features, int heads,
      int keyDim, int[] perm) {
    int width = heads * keyDim;
    int w = weight(spec.variableName(layer, which + "_kernel"), transpose(values(layer, which + "_kernel"), features,
        width), new int[] {width, features}, Use.FULLY_CONNECTED);
    int b = constFloats(spec.variableName(layer, which + "_bias"), values(layer, which + "_bias"), new int[] {width});
    int projected = floatTensor(base + "_projected", 1, steps, width);
    fullyConnectedOp(x, w, b, projected, Schema.ACT_NONE, true);
    int split = floatTensor(base + "_heads", 1, steps, heads, keyDim);
    g.op(Schema.RESHAPE, 1, new int[] {projected, constInts(base + "_shape", new int[] {-1, steps, heads, keyDim})},
        new int[] {split}, TfliteGraph.Options.NONE);
    int[] dims = {1, steps, heads, keyDim};
    int[] moved = new int[4];
    for (int d = 0; d < 4; d++) {
      moved[d] = dims[perm[d]];
    }
    int out = floatTensor(base + "_transposed", moved);
    g.op(Schema.TRANSPOSE, 1, new int[] {split, constInts(base + "_perm", perm)}, new int[] {out},
        TfliteGraph.Options.NONE);
    return out;
  }

  private int binary(int builtin, int a, int b, int out) {
    g.op(builtin, 1, new int[] {a, b}, new int[] {out}, builtin == Schema.ADD
        ? options(Schema.OPT_ADD, Schema.Binary.FIELDS) : options(Schema.OPT_MUL, Schema.Binary.FIELDS));
    return out;
  }

  /** keep * fresh + drop * previous, Topiary's blend with drop = 1 - keep computed from the ids. */
  private int blend(String name, int keep, int fresh, int drop, int previous, int units) {
    int a = binary(Schema.MUL, keep, fresh, floatTensor(name + "_new", 1, units));
    int b = binary(Schema.MUL, drop, previous, floatTensor(name + "_old", 1, units));
    return binary(Schema.ADD, a, b, floatTensor(name, 1, units));
  }

  /** (ids OP 0) as float, shape (batch, steps). */
  private int maskOf(String name, int ids, int zero, int builtin, int steps) {
    int bool = g.add(new TfliteGraph.Tensor(name + "_bool", new int[] {1, steps}, new int[] {-1, steps}, Schema.BOOL,
        null, null, null));
    g.op(builtin, 1, new int[] {ids, zero}, new int[] {bool}, TfliteGraph.Options.NONE);
    int out = floatTensor(name, 1, steps);
    g.op(Schema.CAST, 1, new int[] {bool}, new int[] {out}, options(Schema.OPT_CAST, Schema.Cast.FIELDS,
        new TfliteGraph.Field(Schema.Cast.IN_TYPE, 'b', Schema.BOOL),
        new TfliteGraph.Field(Schema.Cast.OUT_TYPE, 'b', Schema.FLOAT32)));
    return out;
  }

  /** {@code [rows, cols]} row-major to {@code [cols, rows]}. */
  private static float[] transpose(float[] v, int rows, int cols) {
    float[] t = new float[v.length];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < cols; k++) {
        t[k * rows + r] = v[r * cols + k];
      }
    }
    return t;
  }

  private int constFloats(String name, float[] values, int[] shape) {
    return g.add(new TfliteGraph.Tensor(name, shape, null, Schema.FLOAT32, WeightEncoding.floatBytes(values), null,
        null));
  }

  private int constInts(String name, int[] values) {
    return g.add(new TfliteGraph.Tensor(name, new int[] {values.length}, null, Schema.INT32,
        WeightEncoding.intBytes(values), null, null));
  }

  /**
   * A constant weight stored as the flavour asks; returns the tensor its op reads: the constant itself,
   * or the output of a DENSIFY of it. A weight stored as 1x4 blocks, which FULLY_CONNECTED reads directly,
   * goes into {@link #blockSparse}.
   */
  private int weight(String name, float[] values, int[] shape, Use use) {
    TfliteGraph.Quantization quant = null;
    byte[] q = null;
    byte type = Schema.FLOAT32;
    if (flavour.int8() && values.length >= MIN_ELEMENTS_FOR_INT8) {
      int dim = use == Use.DEPTHWISE ? 3 : 0;
      WeightEncoding.Quantized qz = use == Use.GATHER
          ? WeightEncoding.quantize(values, new int[] {1, values.length}, 0) // one scale
          : WeightEncoding.quantize(values, shape, dim);
      q = qz.values();
      quant = new TfliteGraph.Quantization(qz.scales(), use == Use.GATHER ? 0 : dim);
      type = Schema.INT8;
    }
    int element = type == Schema.INT8 ? 1 : 4;
    byte[] dense = type == Schema.INT8 ? q : WeightEncoding.floatBytes(values);
    if (flavour.sparse()) {
      WeightEncoding.Sparse csr = WeightEncoding.csr(values, q, shape, element);
      long csrBytes = csr.data().length + WeightEncoding.indexBytes(csr.sparsity());
      WeightEncoding.Sparse block = use == Use.FULLY_CONNECTED && type == Schema.FLOAT32
          ? WeightEncoding.blocks1x4(values, shape[0], shape[1]) : null;
      long blockBytes = block == null ? Long.MAX_VALUE : block.data().length + WeightEncoding.indexBytes(block.sparsity());
      if (block != null && blockBytes < csrBytes && blockBytes < dense.length) {
        int blocks = g.add(new TfliteGraph.Tensor(name, shape, null, type, block.data(), quant, block.sparsity()));
        blockSparse.add(blocks);
        return blocks;
      }
      // A DENSIFY adds a tensor and an op (and int8 weights a DEQUANTIZE, and the densified tensor
      // its own copy of the scales and int64 zero points): sparse only when that still saves bytes.
      long overhead = 160 + (type == Schema.INT8 ? 160 + 12L * quant.scales().length : 0);
      if (csrBytes + overhead < dense.length) {
        int sparse = g.add(new TfliteGraph.Tensor(name, shape, null, type, csr.data(), quant, csr.sparsity()));
        int out = g.add(new TfliteGraph.Tensor(name + "_dense", shape, null, type, null, quant, null));
        g.op(Schema.DENSIFY, 1, new int[] {sparse}, new int[] {out}, TfliteGraph.Options.NONE);
        if (type != Schema.INT8 || use == Use.GATHER) {
          return out; // int8 rows are gathered, then dequantised (see embedding)
        }
        // Densified int8 weights are dequantised once (both ops run on first use only: their inputs are
        // constant or persistent) and the op runs in float. The converter feeds them to the hybrid op
        // instead, which the default XNNPACK delegate refuses ("failed to prepare", also for the
        // converter's own file); this way the file runs under every resolver, with the dequantised weights.
        int floats = g.add(new TfliteGraph.Tensor(name + "_float", shape, null, Schema.FLOAT32, null, null, null));
        g.op(Schema.DEQUANTIZE, quant.scales().length > 1 ? 5 : 2, new int[] {out}, new int[] {floats},
            TfliteGraph.Options.NONE);
        return floats;
      }
    }
    return g.add(new TfliteGraph.Tensor(name, shape, null, type, dense, quant, null));
  }
}
