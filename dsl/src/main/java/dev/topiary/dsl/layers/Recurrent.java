package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Keras' SimpleRNN, LSTM and GRU over {@code (batch, steps, features)} with a known number of steps.
 * Weights as in Keras: {@code kernel [features, g*units]} (Glorot uniform), {@code recurrent_kernel
 * [units, g*units]} (orthogonal), {@code bias} (zeros; LSTM's forget gate starts at 1; GRU keeps an input
 * and a recurrent bias, {@code reset_after} as Keras 2). Gate orders: LSTM i, f, c, o; GRU z, r, h. The
 * kernel and the recurrent kernel are prunable.
 *
 * <p>The steps are unrolled into the graph: the input projection of all steps is one matmul, each step
 * adds one recurrent matmul and the gate arithmetic, so graph size and build time grow linearly with the
 * number of steps.
 */
public final class Recurrent extends BaseLayer<Recurrent> {
  /** The cell. */
  public enum Kind {
    SIMPLE_RNN("SimpleRNN", 1), LSTM("LSTM", 4), GRU("GRU", 3);

    final String typeName;
    final int gates;

    Kind(String typeName, int gates) {
      this.typeName = typeName;
      this.gates = gates;
    }
  }

  private final Kind kind;
  private final int units;
  private final boolean returnSequences;
  private final boolean goBackwards;
  private final boolean returnState;

  private Recurrent(@Nullable String name, @Nullable PruningSpec pruning, Kind kind, int units, boolean returnSequences,
      boolean goBackwards, boolean returnState) {
    super(name, pruning);
    if (units < 1) {
      throw new IllegalArgumentException(kind.typeName + " units must be >= 1, got " + units);
    }
    this.kind = kind;
    this.units = units;
    this.returnSequences = returnSequences;
    this.goBackwards = goBackwards;
    this.returnState = returnState;
  }

  public static Recurrent lstm(int units) {
    return new Recurrent(null, null, Kind.LSTM, units, false, false, false);
  }

  public static Recurrent gru(int units) {
    return new Recurrent(null, null, Kind.GRU, units, false, false, false);
  }

  public static Recurrent simpleRnn(int units) {
    return new Recurrent(null, null, Kind.SIMPLE_RNN, units, false, false, false);
  }

  /** Output every step's state {@code (batch, steps, units)} instead of the last {@code (batch, units)}. */
  public Recurrent returnSequences(boolean returnSequences) {
    return new Recurrent(name(), pruning().orElse(null), kind, units, returnSequences, goBackwards, returnState);
  }

  /**
   * Also output the final state: {@code node.output(1)} is the last hidden state {@code (batch, units)}
   * and, for LSTM, {@code node.output(2)} the last cell state (Keras' {@code return_state}).
   */
  public Recurrent returnState(boolean returnState) {
    return new Recurrent(name(), pruning().orElse(null), kind, units, returnSequences, goBackwards, returnState);
  }

  /** Process the steps last to first (sequence outputs come in processing order, as Keras). */
  public Recurrent goBackwards(boolean goBackwards) {
    return new Recurrent(name(), pruning().orElse(null), kind, units, returnSequences, goBackwards, returnState);
  }

  public int units() {
    return units;
  }

  public boolean goesBackwards() {
    return goBackwards;
  }

  public boolean returnsSequences() {
    return returnSequences;
  }

  @Override
  protected Recurrent copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Recurrent(name, pruning, kind, units, returnSequences, goBackwards, returnState);
  }

  @Override
  public String typeName() {
    return kind.typeName;
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("kernel", "recurrent_kernel");
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    requireInputs(inputShapes, 1);
    Shape in = inputShapes.get(0);
    if (in.numDimensions() != 3 || in.get(1) < 1 || in.get(2) < 1) {
      throw new LayerShapeException(describe() + " expects input of shape (batch, steps, features) with known steps"
          + " and features, got " + Shapes.format(in));
    }
    return returnSequences ? Shape.of(in.get(0), in.get(1), units) : Shape.of(in.get(0), units);
  }

  @Override
  public List<Shape> outputShapes(List<Shape> inputShapes) {
    Shape main = outputShape(inputShapes);
    if (!returnState) {
      return List.of(main);
    }
    Shape state = Shape.of(main.get(0), units);
    return kind == Kind.LSTM ? List.of(main, state, state) : List.of(main, state);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long features = inputShapes.get(0).get(2);
    int g = kind.gates * units;
    WeightSpec kernel = WeightSpec.trainable("kernel", Shape.of(features, g), Initializer.GLOROT_UNIFORM);
    WeightSpec recurrent = WeightSpec.trainable("recurrent_kernel", Shape.of(units, g), Initializer.ORTHOGONAL);
    WeightSpec bias = switch (kind) {
      case GRU -> WeightSpec.trainable("bias", Shape.of(2, g), Initializer.ZEROS);
      case LSTM -> WeightSpec.trainable("bias", Shape.of(g), (shape, random) -> {
        float[] b = new float[g];
        Arrays.fill(b, units, 2 * units, 1f); // unit_forget_bias
        return b;
      });
      case SIMPLE_RNN -> WeightSpec.trainable("bias", Shape.of(g), Initializer.ZEROS);
    };
    return List.of(kernel, recurrent, bias);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return callOutputs(context, inputs).get(0);
  }

  @Override
  public List<Operand<TFloat32>> callOutputs(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    int steps = (int) x.shape().get(1);
    int features = (int) x.shape().get(2);
    int g = kind.gates * units;
    Operand<TFloat32> kernel = context.weight("kernel");
    Operand<TFloat32> recurrent = context.weight("recurrent_kernel");
    Operand<TFloat32> bias = context.weight("bias");
    Operand<TFloat32> inputBias = kind == Kind.GRU ? row(tf, bias, 0) : bias;
    Operand<TFloat32> recurrentBias = kind == Kind.GRU ? row(tf, bias, 1) : null;

    // The input projection of every step at once: (batch * steps, features) x (features, g).
    Operand<TFloat32> projected = tf.reshape(
        tf.math.add(tf.linalg.matMul(tf.reshape(x, tf.constant(new long[] {-1, features})), kernel), inputBias),
        tf.constant(new long[] {-1, steps, g}));
    List<Operand<TFloat32>> perStep = new ArrayList<>(tf.unstack(projected, (long) steps, org.tensorflow.op.core.Unstack.axis(1L)).output());
    // Masked (padding) steps keep the previous state, as Keras does with mask_zero.
    List<Operand<TFloat32>> keep = null;
    if (context.inputMask() != null) {
      Operand<TFloat32> m = tf.dtypes.cast(context.inputMask(), TFloat32.class);
      keep = new ArrayList<>(tf.unstack(tf.expandDims(m, tf.constant(-1)), (long) steps,
          org.tensorflow.op.core.Unstack.axis(1L)).output());
    }
    if (goBackwards) {
      java.util.Collections.reverse(perStep);
      if (keep != null) {
        java.util.Collections.reverse(keep);
      }
    }
    Operand<TInt32> batch = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TFloat32> zeros = tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {units})), tf.constant(0)),
        tf.constant(0f));
    Operand<TFloat32> h = zeros;
    Operand<TFloat32> c = zeros;
    List<Operand<TFloat32>> outputs = new ArrayList<>();
    for (int t = 0; t < perStep.size(); t++) {
      Operand<TFloat32> xt = perStep.get(t);
      Operand<TFloat32> hPrev = h;
      Operand<TFloat32> cPrev = c;
      Operand<TFloat32> hr = tf.linalg.matMul(h, recurrent);
      switch (kind) {
        case SIMPLE_RNN -> h = tf.math.tanh(tf.math.add(xt, hr));
        case LSTM -> {
          List<Operand<TFloat32>> z = split(tf, tf.math.add(xt, hr), 4);
          Operand<TFloat32> i = tf.math.sigmoid(z.get(0));
          Operand<TFloat32> f = tf.math.sigmoid(z.get(1));
          Operand<TFloat32> o = tf.math.sigmoid(z.get(3));
          c = tf.math.add(tf.math.mul(f, c), tf.math.mul(i, tf.math.tanh(z.get(2))));
          h = tf.math.mul(o, tf.math.tanh(c));
        }
        case GRU -> {
          List<Operand<TFloat32>> xs = split(tf, xt, 3);
          List<Operand<TFloat32>> rs = split(tf, tf.math.add(hr, recurrentBias), 3);
          Operand<TFloat32> zGate = tf.math.sigmoid(tf.math.add(xs.get(0), rs.get(0)));
          Operand<TFloat32> rGate = tf.math.sigmoid(tf.math.add(xs.get(1), rs.get(1)));
          Operand<TFloat32> candidate = tf.math.tanh(tf.math.add(xs.get(2), tf.math.mul(rGate, rs.get(2))));
          h = tf.math.add(tf.math.mul(zGate, h), tf.math.mul(tf.math.sub(tf.constant(1f), zGate), candidate));
        }
        default -> throw new IllegalStateException();
      }
      if (keep != null) {
        h = blend(tf, keep.get(t), h, hPrev);
        c = kind == Kind.LSTM ? blend(tf, keep.get(t), c, cPrev) : c;
      }
      if (returnSequences) {
        outputs.add(h);
      }
    }
    Operand<TFloat32> main = returnSequences ? tf.stack(outputs, org.tensorflow.op.core.Stack.axis(1L)) : h;
    if (!returnState) {
      return List.of(main);
    }
    return kind == Kind.LSTM ? List.of(main, h, c) : List.of(main, h);
  }

  /** {@code keep * fresh + (1 - keep) * previous} for a 0/1 {@code keep} of shape (batch, 1). */
  private static Operand<TFloat32> blend(Ops tf, Operand<TFloat32> keep, Operand<TFloat32> fresh, Operand<TFloat32> previous) {
    return tf.math.add(tf.math.mul(keep, fresh), tf.math.mul(tf.math.sub(tf.constant(1f), keep), previous));
  }

  /** With sequences out the steps stay, and so does the mask; a last state consumes it. */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return returnSequences ? inputMask : null;
  }

  private static Operand<TFloat32> row(Ops tf, Operand<TFloat32> matrix, int row) {
    return tf.squeeze(tf.slice(matrix, tf.constant(new int[] {row, 0}), tf.constant(new int[] {1, -1})),
        org.tensorflow.op.core.Squeeze.axis(List.of(0L)));
  }

  private static List<Operand<TFloat32>> split(Ops tf, Operand<TFloat32> x, int parts) {
    return new ArrayList<>(tf.split(tf.constant(1), x, (long) parts).output());
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("units", units).put("return_sequences", returnSequences)
        .put("go_backwards", goBackwards).put("return_state", returnState);
  }

  static Recurrent fromConfig(Kind kind, Settings s) {
    return new Recurrent(null, null, kind, s.getInt("units"), s.getBoolean("return_sequences"),
        s.getBoolean("go_backwards"), s.has("return_state") && s.getBoolean("return_state"));
  }

  static Kind kindOf(String typeName) {
    for (Kind k : Kind.values()) {
      if (k.typeName.equals(typeName)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown recurrent layer " + typeName.toLowerCase(Locale.ROOT));
  }
}
