package dev.topiary.dsl.layers.recurrent;

import dev.topiary.dsl.graph.NativeGraphs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.Scope;
import org.tensorflow.op.core.StatelessWhile;
import org.tensorflow.op.core.TensorListStack;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A whole GRU sequence as one functional loop ({@code StatelessWhile}) instead of the steps unrolled
 * into the graph, so that the graph, its build and its first (optimized) run no longer grow with the
 * sequence length. TF's fused {@code GRUBlockCell} is not an option: it is {@code reset_after=False} (the
 * reset gate scales the state before the recurrent matmul), a different function from Keras 3's default
 * {@code reset_after=True} that {@link GRU} computes, and a single step.
 *
 * <p>The input projection of all steps is one matmul before the loop; the loop body is the layer's own
 * cell ({@link GRU#gates}, {@link GRU#next}) on one step's projection and the recurrent matmul; it records
 * every step's state in a TensorList and saves its gates and previous state in another. TensorFlow's C++
 * gradient code (what {@code Graph.addGradients} runs) has no gradient for {@code StatelessWhile}, so
 * this class registers one from Java: a second, backward loop over the steps in reverse that reads the
 * saved gates (no recomputation: a step of a small GRU costs its op count more than its arithmetic) and
 * lists the gradients of the gates' pre-activations; the recurrent kernel's and biases' gradients are
 * then one matmul and a sum over all steps. Inside a gradient callback nothing may take the graph's
 * lock (TF holds it), which rules out attaching functions there; the backward loop's functions are
 * therefore built and attached with the forward loop, and the callback refers to them by name.
 */
public final class FusedGru {
  /** The backward loop belonging to one forward body (by its function name), attached with it. */
  private record Backward(int units, int steps, String cond, String body, String condWithSequence,
      String bodyWithSequence) {}

  private static final Map<String, Backward> BACKWARD = new ConcurrentHashMap<>();
  private static final String FORWARD_KEY = "topiary_gru_forward";
  /** Per step the forward loop saves z, r, c, the candidate's recurrent part and the previous state. */
  private static final int SAVED = 5;

  private FusedGru() {}

  /** Every step's hidden state in processing order {@code (steps, batch, units)} and the last one. */
  record Result(Operand<TFloat32> sequence, Operand<TFloat32> lastH) {}

  /**
   * The GRU over {@code x (batch, steps, features)}; only in graph mode (the caller unrolls in eager
   * mode, where no gradient is built).
   */
  static Result run(Ops tf, GRU layer, Operand<TFloat32> x, Operand<TFloat32> kernel, Operand<TFloat32> recurrent,
      Operand<TFloat32> bias) {
    int units = layer.units();
    int steps = (int) x.shape().get(1);
    int g = 3 * units;
    Operand<TFloat32> timeMajor = tf.linalg.transpose(Recurrent.projected(tf, x, kernel, layer.inputBias(tf, bias)),
        tf.constant(new int[] {1, 0, 2}));
    if (layer.goesBackwards()) {
      timeMajor = tf.reverse(timeMajor, tf.constant(new int[] {0}));
    }
    Operand<TFloat32> recurrentBias = layer.recurrentBias(tf, bias);
    Operand<TFloat32> zeros = Recurrent.zeroState(tf, x, units);
    Operand<?> states = tf.tensorListReserve(tf.constant(new int[] {-1, units}), tf.constant(steps), TFloat32.class);
    Operand<?> saved = tf.tensorListReserve(tf.constant(new int[] {-1, SAVED * units}), tf.constant(steps),
        TFloat32.class);

    // The backward loop's functions are attached now: inside the gradient callback they cannot be.
    String forwardCond = attach(tf, "topiary_gru_count_up", units, steps, t -> forwardVariables(t, units, steps),
        (t, in) -> List.of(t.math.less(FusedGru.<TInt32>cast(in.get(0)), t.constant(steps))));
    String forwardBody = attach(tf, FORWARD_KEY, units, steps, t -> forwardVariables(t, units, steps),
        (t, in) -> forwardStep(t, in));
    // The same condition twice: a loop's condition takes all its variables, one more with a sequence.
    BiFunction<Ops, List<Operand<?>>, List<Operand<?>>> countDown =
        (t, in) -> List.of(t.math.greaterEqual(FusedGru.<TInt32>cast(in.get(0)), t.constant(0)));
    String backCond = attach(tf, "topiary_gru_count_down", units, steps,
        t -> backwardVariables(t, units, steps, false), countDown);
    String backCondSeq = attach(tf, "topiary_gru_count_down", units, steps,
        t -> backwardVariables(t, units, steps, true), countDown);
    String backBody = attach(tf, "topiary_gru_backward", units, steps, t -> backwardVariables(t, units, steps, false),
        (t, in) -> backwardStep(t, in, false));
    String backBodySeq = attach(tf, "topiary_gru_backward", units, steps, t -> backwardVariables(t, units, steps, true),
        (t, in) -> backwardStep(t, in, true));
    BACKWARD.put(forwardBody, new Backward(units, steps, backCond, backBody, backCondSeq, backBodySeq));
    List<Operand<?>> loopVars = List.of(tf.constant(0), zeros, states, saved, timeMajor, recurrent, recurrentBias);
    Operation loop = loop(tf.scope(), "GruLoop", loopVars, forwardCond, forwardBody,
        new Shape[] {Shape.scalar(), Shape.of(-1, units), Shape.scalar(), Shape.scalar(), Shape.of(steps, -1, g),
            Shape.of(units, g), Shape.of(g)});
    @SuppressWarnings("unchecked")
    Operand<TFloat32> lastH = (Operand<TFloat32>) (Operand<?>) loop.output(1);
    Operand<TFloat32> sequence = tf.tensorListStack(loop.output(2), tf.constant(new int[] {-1, units}), TFloat32.class,
        TensorListStack.numElements((long) steps));
    return new Result(sequence, lastH);
  }

  /**
   * Registers the gradients of the loop and of {@code TensorListStack} (the sequence output), which TF's
   * C++ gradient code lacks; called once per process before gradients are built.
   */
  public static void registerGradients() {
    TensorFlow.registerCustomGradient(StatelessWhile.OP_NAME, FusedGru::loopGradient);
    // d stack / d list: the upstream gradient as a list again; the element-shape input gets none.
    TensorFlow.registerCustomGradient(TensorListStack.OP_NAME, (tf, op, upstream) -> List.of(
        tf.tensorListFromTensor(upstream.get(0), FusedGru.<TInt32>cast(op.input(1))), tf.zerosLike(op.input(1))));
  }

  /** A StatelessWhile op whose functions are already attached, referred to by name (see the class comment). */
  private static Operation loop(Scope scope, String name, List<Operand<?>> inputs, String cond, String body,
      Shape[] outputShapes) {
    return scope.opBuilder(StatelessWhile.OP_NAME, name)
        .addInputList(outputs(inputs).toArray(new Output<?>[0]))
        .setAttr("cond", function(cond))
        .setAttr("body", function(body))
        .setAttr("output_shapes", outputShapes)
        .setAttr("parallel_iterations", 10L)
        .build();
  }

  private static AttrValue function(String name) {
    return AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(name)).build();
  }

  /**
   * One forward step: the layer's cell on step t; records the state, and saves the gates and the previous
   * state (z, r, c, the candidate's recurrent part, h', each {@code units} wide) for the backward step.
   */
  private static List<Operand<?>> forwardStep(Ops tf, List<Operand<?>> in) {
    Operand<TInt32> t = cast(in.get(0));
    Operand<TFloat32> h = cast(in.get(1));
    Operand<TFloat32> xt = tf.gather(FusedGru.<TFloat32>cast(in.get(4)), t, tf.constant(0));
    GRU.Gates gates = GRU.gates(tf, xt, tf.linalg.matMul(h, cast(in.get(5))), cast(in.get(6)));
    Operand<TFloat32> next = GRU.next(tf, gates, h);
    List<Operand<?>> out = new ArrayList<>(in);
    out.set(0, tf.math.add(t, tf.constant(1)));
    out.set(1, next);
    out.set(2, tf.tensorListSetItem(in.get(2), t, next));
    out.set(3, tf.tensorListSetItem(in.get(3), t, tf.concat(
        List.of(gates.z(), gates.r(), gates.candidate(), gates.recurrentCandidate(), h), tf.constant(1))));
    return out;
  }

  /**
   * One backward step t (counting down), from the gates and previous state the forward step saved: the
   * chain rule through {@code h = z*h' + (1-z)*c}, {@code c = tanh(xc + r*(h'Uc + bc))},
   * {@code z, r = sigmoid(x + h'U + b)} (TF's SigmoidGrad and TanhGrad, what the unrolled cell's
   * gradient uses). Lists the gradient of the step's input projection and of its recurrent
   * pre-activation, and carries the gradient of the previous state. With {@code withSequence}, the
   * gradient of the step's output (the last variable, all steps) is added to the carried one.
   */
  private static List<Operand<?>> backwardStep(Ops tf, List<Operand<?>> in, boolean withSequence) {
    Operand<TInt32> t = cast(in.get(0));
    Operand<TFloat32> dh = cast(in.get(1));
    Operand<TFloat32> u = cast(in.get(5));
    if (withSequence) {
      dh = tf.math.add(dh, tf.gather(FusedGru.<TFloat32>cast(in.get(6)), t, tf.constant(0)));
    }
    Operand<TFloat32> savedStep = tf.tensorListGetItem(in.get(4), t, tf.constant(new int[] {-1, -1}), TFloat32.class);
    List<Operand<TFloat32>> s = Recurrent.split(tf, savedStep, SAVED);
    Operand<TFloat32> z = s.get(0);
    Operand<TFloat32> r = s.get(1);
    Operand<TFloat32> c = s.get(2);
    Operand<TFloat32> dc = tf.math.tanhGrad(c, tf.math.mul(dh, tf.math.sub(tf.constant(1f), z)));
    Operand<TFloat32> dz = tf.math.sigmoidGrad(z, tf.math.mul(dh, tf.math.sub(s.get(4), c)));
    Operand<TFloat32> dr = tf.math.sigmoidGrad(r, tf.math.mul(dc, s.get(3)));
    Operand<TFloat32> dProjected = tf.concat(List.of(dz, dr, dc), tf.constant(1));
    Operand<TFloat32> dRecurrent = tf.concat(List.of(dz, dr, tf.math.mul(dc, r)), tf.constant(1));
    Operand<TFloat32> dhPrev =
        tf.math.add(tf.math.mul(dh, z), tf.linalg.matMul(dRecurrent, u, MatMul.transposeB(true)));
    List<Operand<?>> out = new ArrayList<>(in);
    out.set(0, tf.math.sub(t, tf.constant(1)));
    out.set(1, dhPrev);
    out.set(2, tf.tensorListSetItem(in.get(2), t, dProjected));
    out.set(3, tf.tensorListSetItem(in.get(3), t, dRecurrent));
    return out;
  }

  /**
   * The gradient of a GRU loop: the backward loop from the last step to the first over the forward loop's
   * recorded states, then the recurrent kernel's gradient as one matmul of all previous states with all
   * recurrent pre-activation gradients, and the recurrent bias' as their sum.
   */
  private static List<Operand<?>> loopGradient(Ops tf, GraphOperation op, List<Output<?>> upstream) {
    String body = op.attributes().getAttrValueProto("body").getFunc().getName();
    Backward b = BACKWARD.get(body);
    if (b == null) {
      throw new IllegalStateException("No gradient for StatelessWhile '" + op.name() + "' (body " + body
          + "): Topiary registers the gradient of its own GRU loops only");
    }
    int units = b.units();
    int g = 3 * units;
    Operand<TInt32> elementShape = tf.constant(new int[] {-1, g});
    Operand<?> dProjected = tf.tensorListReserve(elementShape, tf.constant(b.steps()), TFloat32.class);
    Operand<?> dRecurrent = tf.tensorListReserve(elementShape, tf.constant(b.steps()), TFloat32.class);
    Output<?> saved = op.output(3);
    List<Operand<?>> vars = new ArrayList<>(List.of(tf.constant(b.steps() - 1), upstream.get(1), dProjected,
        dRecurrent, saved, op.input(5)));
    // The sequence's gradient arrives as a list (TensorListStack's gradient) or as zeros when only the last
    // state is used; zeros need not be added at every step.
    Output<?> sequenceGrad = upstream.get(2);
    boolean withSequence = !sequenceGrad.op().type().equals("ZerosLike");
    List<Shape> shapes = new ArrayList<>(List.of(Shape.scalar(), Shape.of(-1, units), Shape.scalar(), Shape.scalar(),
        Shape.scalar(), Shape.of(units, g)));
    if (withSequence) {
      vars.add(tf.tensorListStack(sequenceGrad, tf.constant(new int[] {-1, units}), TFloat32.class,
          TensorListStack.numElements((long) b.steps())));
      shapes.add(Shape.of(b.steps(), -1, units));
    }
    Operation back = loop(tf.scope(), "GruLoopGrad", vars, withSequence ? b.condWithSequence() : b.cond(),
        withSequence ? b.bodyWithSequence() : b.body(), shapes.toArray(new Shape[0]));
    Operand<TFloat32> dx = tf.tensorListStack(back.output(2), elementShape, TFloat32.class,
        TensorListStack.numElements((long) b.steps()));
    Operand<TFloat32> dr = tf.tensorListStack(back.output(3), elementShape, TFloat32.class,
        TensorListStack.numElements((long) b.steps()));
    // Every step's previous state, saved last in each step's row.
    Operand<TFloat32> previous = tf.slice(tf.tensorListStack(saved, tf.constant(new int[] {-1, SAVED * units}),
        TFloat32.class, TensorListStack.numElements((long) b.steps())), tf.constant(new int[] {0, 0, 4 * units}),
        tf.constant(new int[] {-1, -1, units}));
    Operand<TFloat32> dKernel = tf.linalg.matMul(tf.reshape(previous, tf.constant(new long[] {-1, units})),
        tf.reshape(dr, tf.constant(new long[] {-1, g})), MatMul.transposeA(true));
    Operand<TFloat32> dBias = tf.reduceSum(dr, tf.constant(new int[] {0, 1}));
    return List.of(tf.zerosLike(op.input(0)), back.output(1), tf.zerosLike(op.input(2)), tf.zerosLike(op.input(3)), dx,
        dKernel, dBias);
  }

  /** The forward loop's variables as function inputs: t, h, the state and saved lists, projections, kernel, bias. */
  private static List<Operand<?>> forwardVariables(Ops tf, int units, int steps) {
    int g = 3 * units;
    return List.of(placeholder(tf, DataType.DT_INT32, Shape.scalar(), "t"),
        placeholder(tf, DataType.DT_FLOAT, Shape.of(-1, units), "h"),
        placeholder(tf, DataType.DT_VARIANT, Shape.scalar(), "states"),
        placeholder(tf, DataType.DT_VARIANT, Shape.scalar(), "saved"),
        placeholder(tf, DataType.DT_FLOAT, Shape.of(steps, -1, g), "projected"),
        placeholder(tf, DataType.DT_FLOAT, Shape.of(units, g), "recurrent"),
        placeholder(tf, DataType.DT_FLOAT, Shape.of(g), "recurrent_bias"));
  }

  /**
   * The backward loop's variables: t, d h, the lists of projection and recurrent gradients, the forward
   * steps' saved gates and states, the recurrent kernel, and with a sequence output its gradient.
   */
  private static List<Operand<?>> backwardVariables(Ops tf, int units, int steps, boolean withSequence) {
    int g = 3 * units;
    List<Operand<?>> in = new ArrayList<>(List.of(placeholder(tf, DataType.DT_INT32, Shape.scalar(), "t"),
        placeholder(tf, DataType.DT_FLOAT, Shape.of(-1, units), "dh"),
        placeholder(tf, DataType.DT_VARIANT, Shape.scalar(), "d_projected"),
        placeholder(tf, DataType.DT_VARIANT, Shape.scalar(), "d_recurrent"),
        placeholder(tf, DataType.DT_VARIANT, Shape.scalar(), "saved"),
        placeholder(tf, DataType.DT_FLOAT, Shape.of(units, g), "recurrent")));
    if (withSequence) {
      in.add(placeholder(tf, DataType.DT_FLOAT, Shape.of(steps, -1, units), "d_sequence"));
    }
    return in;
  }

  /** A placeholder of any dtype (TF Java has no class for variants, the TensorList handles). */
  private static Operand<?> placeholder(Ops tf, DataType type, Shape shape, String name) {
    return tf.scope().opBuilder("Placeholder", name).setAttr("dtype", type).setAttr("shape", shape).build().output(0);
  }

  /**
   * Builds a function in a graph of its own, {@code variables} its arguments and {@code body} its results,
   * attaches it to {@code tf}'s graph and returns its name.
   */
  private static String attach(Ops tf, String key, int units, int steps, Function<Ops, List<Operand<?>>> variables,
      BiFunction<Ops, List<Operand<?>>, List<Operand<?>>> body) {
    // Argument shapes are not part of a function's hash: the name carries them, so that the bodies of two
    // GRUs of different sizes (the same ops) never share a name, nor a backward loop.
    String name = key + "_" + units + "x" + steps;
    try (Graph g = new Graph()) {
      Ops f = Ops.create(g);
      List<Operand<?>> in = variables.apply(f);
      List<Operand<?>> out = body.apply(f, in);
      return NativeGraphs.attachFunction((Graph) tf.scope().env(), g, name, outputs(in), outputs(out));
    }
  }

  private static List<Output<?>> outputs(List<Operand<?>> operands) {
    List<Output<?>> out = new ArrayList<>();
    for (Operand<?> o : operands) {
      out.add(o.asOutput());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static <T extends org.tensorflow.types.family.TType> Operand<T> cast(Operand<?> operand) {
    return (Operand<T>) operand;
  }
}
