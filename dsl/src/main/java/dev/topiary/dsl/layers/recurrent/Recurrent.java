package dev.topiary.dsl.layers.recurrent;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.core.Unstack;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * What {@link SimpleRNN}, {@link LSTM} and {@link GRU} share, over {@code (batch, steps, features)} with a
 * known number of steps: weights as in Keras, {@code kernel [features, g*units]} (Glorot uniform),
 * {@code recurrent_kernel [units, g*units]} (orthogonal), {@code bias}; both kernels prunable; the
 * options {@code return_sequences}, {@code return_state}, {@code go_backwards}; masking. A subclass
 * gives the gate count, the bias and one step of its cell.
 *
 * <p>A subclass may run the whole sequence as one fused op ({@link #fused}; LSTM does, see
 * {@code FusedLstm}). Otherwise, and always with a mask, the steps are unrolled into the graph: the
 * input projection of all steps is one matmul, each step adds one recurrent matmul and the gate
 * arithmetic, so graph size and build time grow linearly with the number of steps.
 */
public abstract class Recurrent<L extends Recurrent<L>> extends BaseLayer<L> {
  /** A cell's state after a step: the hidden state and, for LSTM, the cell state. */
  record State(Operand<TFloat32> h, Operand<TFloat32> c) {}

  final int units;
  private final boolean returnSequences;
  private final boolean goBackwards;
  private final boolean returnState;

  Recurrent(@Nullable String name, @Nullable PruningSpec pruning, int units, boolean returnSequences, boolean goBackwards,
      boolean returnState) {
    super(name, pruning);
    if (units < 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " units must be >= 1, got " + units);
    }
    this.units = units;
    this.returnSequences = returnSequences;
    this.goBackwards = goBackwards;
    this.returnState = returnState;
  }

  abstract L create(@Nullable String name, @Nullable PruningSpec pruning, boolean returnSequences, boolean goBackwards,
      boolean returnState);

  /** Gates per unit: the kernels have {@code gates * units} columns. */
  abstract int gates();

  /** How many states the cell carries (and {@code return_state} outputs): 1, or 2 for LSTM. */
  int stateCount() {
    return 1;
  }

  /** The bias weight for {@code g = gates * units} columns: zeros by default. */
  WeightSpec bias(int g) {
    return WeightSpec.ofTrainable("bias", Shape.of(g), Initializer.ZEROS);
  }

  /** The bias added to the input projection. */
  Operand<TFloat32> inputBias(Ops tf, Operand<TFloat32> bias) {
    return bias;
  }

  /** A bias added to the recurrent product, if the cell has one (GRU). */
  @Nullable Operand<TFloat32> recurrentBias(Ops tf, Operand<TFloat32> bias) {
    return null;
  }

  /**
   * One step of the cell: {@code xt} is this step's input projection (bias included), {@code hr} the
   * previous hidden state times the recurrent kernel.
   */
  abstract State step(Ops tf, Operand<TFloat32> xt, Operand<TFloat32> hr, State previous,
      @Nullable Operand<TFloat32> recurrentBias);

  /** Output every step's state {@code (batch, steps, units)} instead of the last {@code (batch, units)}. */
  public L returnSequences(boolean returnSequences) {
    return create(name(), pruning().orElse(null), returnSequences, goBackwards, returnState);
  }

  /**
   * Also output the final state: {@code node.output(1)} is the last hidden state {@code (batch, units)}
   * and, for LSTM, {@code node.output(2)} the last cell state (Keras' {@code return_state}).
   */
  public L returnState(boolean returnState) {
    return create(name(), pruning().orElse(null), returnSequences, goBackwards, returnState);
  }

  /** Whether the layer also returns its final state(s) (Keras' {@code return_state}). */
  public boolean returnsState() {
    return returnState;
  }

  /** Process the steps last to first (sequence outputs come in processing order, as Keras). */
  public L goBackwards(boolean goBackwards) {
    return create(name(), pruning().orElse(null), returnSequences, goBackwards, returnState);
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
  protected L copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return create(name, pruning, returnSequences, goBackwards, returnState);
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
    return stateCount() == 2 ? List.of(main, state, state) : List.of(main, state);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long features = inputShapes.get(0).get(2);
    int g = gates() * units;
    WeightSpec kernel = WeightSpec.ofTrainable("kernel", Shape.of(features, g), Initializer.GLOROT_UNIFORM);
    WeightSpec recurrent = WeightSpec.ofTrainable("recurrent_kernel", Shape.of(units, g), Initializer.ORTHOGONAL);
    return List.of(kernel, recurrent, bias(g));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return callOutputs(context, inputs).get(0);
  }

  @Override
  public List<Operand<TFloat32>> callOutputs(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    Operand<TFloat32> kernel = context.weight("kernel");
    Operand<TFloat32> recurrent = context.weight("recurrent_kernel");
    Operand<TFloat32> bias = context.weight("bias");
    if (context.inputMask() == null) {
      List<Operand<TFloat32>> fused = fused(tf, x, kernel, recurrent, bias);
      if (fused != null) {
        return fused;
      }
    }
    Operand<TFloat32> inputBias = inputBias(tf, bias);
    Operand<TFloat32> recurrentBias = recurrentBias(tf, bias);
    List<Operand<TFloat32>> perStep = projectedSteps(tf, x, kernel, inputBias);
    // Masked (padding) steps keep the previous state, as Keras does with mask_zero.
    List<Operand<TFloat32>> keep = keepPerStep(tf, context.inputMask(), perStep.size());
    if (goBackwards) {
      Collections.reverse(perStep);
      if (keep != null) {
        Collections.reverse(keep);
      }
    }
    Operand<TFloat32> zeros = zeroState(tf, x, units);
    State state = new State(zeros, zeros);
    List<Operand<TFloat32>> outputs = new ArrayList<>();
    for (int t = 0; t < perStep.size(); t++) {
      State next = step(tf, perStep.get(t), tf.linalg.matMul(state.h(), recurrent), state, recurrentBias);
      if (keep != null) {
        next = new State(blend(tf, keep.get(t), next.h(), state.h()),
            stateCount() == 2 ? blend(tf, keep.get(t), next.c(), state.c()) : next.c());
      }
      state = next;
      if (returnSequences) {
        outputs.add(state.h());
      }
    }
    Operand<TFloat32> main = returnSequences ? tf.stack(outputs, Stack.axis(1L)) : state.h();
    if (!returnState) {
      return List.of(main);
    }
    return stateCount() == 2 ? List.of(main, state.h(), state.c()) : List.of(main, state.h());
  }

  /** The input projection of every step at once, (batch * steps, features) x (features, g), split by step. */
  private List<Operand<TFloat32>> projectedSteps(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel,
      Operand<TFloat32> inputBias) {
    int steps = (int) x.shape().get(1);
    return new ArrayList<>(tf.unstack(projected(tf, x, kernel, inputBias), (long) steps, Unstack.axis(1L)).output());
  }

  /** The input projection of every step at once: {@code x (batch, steps, features)} to (batch, steps, g). */
  static Operand<TFloat32> projected(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel,
      Operand<TFloat32> inputBias) {
    int steps = (int) x.shape().get(1);
    int features = (int) x.shape().get(2);
    int g = (int) kernel.shape().get(1);
    return tf.reshape(
        tf.math.add(tf.linalg.matMul(tf.reshape(x, tf.constant(new long[] {-1, features})), kernel), inputBias),
        tf.constant(new long[] {-1, steps, g}));
  }

  /** Zeros of shape (batch, units), the batch that of {@code x}: the initial state. */
  static Operand<TFloat32> zeroState(Ops tf, Operand<TFloat32> x, int units) {
    Operand<TInt32> batch = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    return tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {units})), tf.constant(0)), tf.constant(0f));
  }

  /** Per step, 1 where the step is real and 0 where it is masked, shape (batch, 1); null without a mask. */
  private static @Nullable List<Operand<TFloat32>> keepPerStep(Ops tf, @Nullable Operand<TBool> mask, int steps) {
    if (mask == null) {
      return null;
    }
    Operand<TFloat32> m = tf.dtypes.cast(mask, TFloat32.class);
    return new ArrayList<>(tf.unstack(tf.expandDims(m, tf.constant(-1)), (long) steps, Unstack.axis(1L)).output());
  }

  /** {@code keep * fresh + (1 - keep) * previous} for a 0/1 {@code keep} of shape (batch, 1). */
  private static Operand<TFloat32> blend(Ops tf, Operand<TFloat32> keep, Operand<TFloat32> fresh, Operand<TFloat32> previous) {
    return tf.math.add(tf.math.mul(keep, fresh), tf.math.mul(tf.math.sub(tf.constant(1f), keep), previous));
  }

  /** With sequences out the steps stay, and so does the mask; a last state consumes it. */
  @Override
  public @Nullable Operand<TBool> outputMask(LayerContext context, List<Operand<TFloat32>> inputs,
      @Nullable Operand<TBool> inputMask) {
    return returnSequences ? inputMask : null;
  }

  /** Row {@code row} of a matrix, as a vector. */
  static Operand<TFloat32> row(Ops tf, Operand<TFloat32> matrix, int row) {
    return tf.squeeze(tf.slice(matrix, tf.constant(new int[] {row, 0}), tf.constant(new int[] {1, -1})),
        Squeeze.axis(List.of(0L)));
  }

  /** {@code x} split into {@code parts} along the last axis (the gates). */
  static List<Operand<TFloat32>> split(Ops tf, Operand<TFloat32> x, int parts) {
    return new ArrayList<>(tf.split(tf.constant(1), x, (long) parts).output());
  }

  /**
   * The whole sequence as one fused op, or null to unroll the steps (the default): outputs as
   * {@link #callOutputs} returns them. Only called without a mask.
   */
  @Nullable List<Operand<TFloat32>> fused(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel,
      Operand<TFloat32> recurrent, Operand<TFloat32> bias) {
    return null;
  }

  /** What a layer returns from its last hidden state, every step's states and its last states. */
  List<Operand<TFloat32>> outputs(Operand<TFloat32> sequence, Operand<TFloat32> lastH, List<Operand<TFloat32>> states) {
    Operand<TFloat32> main = returnSequences ? sequence : lastH;
    if (!returnState) {
      return List.of(main);
    }
    List<Operand<TFloat32>> out = new ArrayList<>();
    out.add(main);
    out.addAll(states);
    return out;
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("units", units).put("return_sequences", returnSequences)
        .put("go_backwards", goBackwards).put("return_state", returnState);
  }

  /**
   * The Keras form every recurrent layer shares: tanh, a bias, no dropout, not stateful, weights under
   * {@code cell/vars}. Dropped when read: {@code seed} (dropout's, which is 0), {@code unit_forget_bias} (an
   * initializer), {@code unroll} and {@code implementation} (how Keras computes, not what), and
   * {@code zero_output_for_mask} (Topiary's masked steps already follow Keras 3's default for the layer).
   */
  static KerasForm kerasForm(String kerasClass) {
    return KerasForm.of(kerasClass, "units", "return_sequences", "go_backwards", "return_state")
        .withDefault("return_sequences", false).withDefault("go_backwards", false).withDefault("return_state", false)
        .withConstant("activation", "tanh").withConstant("use_bias", true).withConstant("stateful", false)
        .withConstant("unroll", false).ignoring("unroll", "implementation", "seed", "unit_forget_bias",
            "zero_output_for_mask")
        .withRequired("dropout", 0.0).withRequired("recurrent_dropout", 0.0).withRequired("time_major", false)
        .withWeightsAt("cell/vars");
  }

  /** {@code layer} (of the saved units) with the saved options. */
  static <L extends Recurrent<L>> L read(L layer, Settings s) {
    return layer.create(null, null, s.getBoolean("return_sequences"), s.getBoolean("go_backwards"),
        s.has("return_state") && s.getBoolean("return_state"));
  }
}
