package dev.topiary.dsl.layers.recurrent;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras' LSTM, gate order i, f, c, o; the bias starts at 1 for the forget gate ({@code unit_forget_bias}).
 * With {@code returnState}, outputs the last hidden and the last cell state. Kernel and recurrent kernel
 * prunable.
 */
public final class LSTM extends Recurrent<LSTM> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<LSTM> TYPE = LayerType.of("LSTM", LSTM.class, s -> read(of(s.getInt("units")), s))
      .with(KerasForm.class, kerasForm("LSTM").withConstant("recurrent_activation", "sigmoid"));

  private LSTM(@Nullable String name, @Nullable PruningSpec pruning, int units, boolean returnSequences,
      boolean goBackwards, boolean returnState) {
    super(name, pruning, units, returnSequences, goBackwards, returnState);
  }

  public static LSTM of(int units) {
    return new LSTM(null, null, units, false, false, false);
  }

  @Override
  LSTM create(@Nullable String name, @Nullable PruningSpec pruning, boolean returnSequences, boolean goBackwards,
      boolean returnState) {
    return new LSTM(name, pruning, units, returnSequences, goBackwards, returnState);
  }

  @Override
  public String typeName() {
    return "LSTM";
  }

  @Override
  int gates() {
    return 4;
  }

  @Override
  int stateCount() {
    return 2;
  }

  @Override
  WeightSpec bias(int g) {
    return WeightSpec.ofTrainable("bias", Shape.of(g), (shape, random) -> {
      float[] b = new float[g];
      Arrays.fill(b, units, 2 * units, 1f); // unit_forget_bias
      return b;
    });
  }

  /** The sequence as one BlockLSTMV2 op ({@link FusedLstm}). */
  @Override
  List<Operand<TFloat32>> fused(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, Operand<TFloat32> recurrent,
      Operand<TFloat32> bias) {
    FusedLstm.Result r = FusedLstm.run(tf, x, kernel, recurrent, bias, units, goesBackwards());
    Operand<TFloat32> sequence = returnsSequences() ? tf.linalg.transpose(r.sequence(), tf.constant(new int[] {1, 0, 2})) : r.lastH();
    return outputs(sequence, r.lastH(), List.of(r.lastH(), r.lastC()));
  }

  @Override
  State step(Ops tf, Operand<TFloat32> xt, Operand<TFloat32> hr, State previous,
      @Nullable Operand<TFloat32> recurrentBias) {
    List<Operand<TFloat32>> z = split(tf, tf.math.add(xt, hr), 4);
    Operand<TFloat32> i = tf.math.sigmoid(z.get(0));
    Operand<TFloat32> f = tf.math.sigmoid(z.get(1));
    Operand<TFloat32> o = tf.math.sigmoid(z.get(3));
    Operand<TFloat32> c = tf.math.add(tf.math.mul(f, previous.c()), tf.math.mul(i, tf.math.tanh(z.get(2))));
    return new State(tf.math.mul(o, tf.math.tanh(c)), c);
  }
}
