package dev.topiary.dsl.layers.recurrent;

import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras' GRU, gate order z, r, h, {@code reset_after} as Keras 2: an input and a recurrent bias
 * ({@code bias [2, 3*units]}). Kernel and recurrent kernel prunable.
 */
public final class GRU extends Recurrent<GRU> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<GRU> TYPE = LayerType.of("GRU", GRU.class, s -> read(of(s.getInt("units")), s))
      .with(KerasForm.class, kerasForm("GRU").withConstant("recurrent_activation", "sigmoid")
          .withConstant("reset_after", true));

  private GRU(@Nullable String name, @Nullable PruningSpec pruning, int units, boolean returnSequences,
      boolean goBackwards, boolean returnState) {
    super(name, pruning, units, returnSequences, goBackwards, returnState);
  }

  public static GRU of(int units) {
    return new GRU(null, null, units, false, false, false);
  }

  @Override
  GRU create(@Nullable String name, @Nullable PruningSpec pruning, boolean returnSequences, boolean goBackwards,
      boolean returnState) {
    return new GRU(name, pruning, units, returnSequences, goBackwards, returnState);
  }

  @Override
  public String typeName() {
    return "GRU";
  }

  @Override
  int gates() {
    return 3;
  }

  @Override
  WeightSpec bias(int g) {
    return WeightSpec.ofTrainable("bias", Shape.of(2, g), Initializer.ZEROS);
  }

  @Override
  Operand<TFloat32> inputBias(Ops tf, Operand<TFloat32> bias) {
    return row(tf, bias, 0);
  }

  @Override
  Operand<TFloat32> recurrentBias(Ops tf, Operand<TFloat32> bias) {
    return row(tf, bias, 1);
  }

  /**
   * In graph mode the sequence as one functional loop ({@link FusedGru}) with a registered gradient; in
   * eager mode (no gradients are built there) the steps stay unrolled.
   */
  @Override
  @Nullable List<Operand<TFloat32>> fused(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel,
      Operand<TFloat32> recurrent, Operand<TFloat32> bias) {
    if (!tf.scope().env().isGraph()) {
      return null;
    }
    FusedGru.Result r = FusedGru.run(tf, this, x, kernel, recurrent, bias);
    Operand<TFloat32> sequence = returnsSequences()
        ? tf.linalg.transpose(r.sequence(), tf.constant(new int[] {1, 0, 2})) : r.lastH();
    return outputs(sequence, r.lastH(), List.of(r.lastH()));
  }

  /** A step's gates: update z, reset r, candidate c, and the recurrent part of the candidate's input. */
  record Gates(Operand<TFloat32> z, Operand<TFloat32> r, Operand<TFloat32> candidate,
      Operand<TFloat32> recurrentCandidate) {}

  /** The gates of a step from its input projection {@code xt} and recurrent product {@code hr}. */
  static Gates gates(Ops tf, Operand<TFloat32> xt, Operand<TFloat32> hr, Operand<TFloat32> recurrentBias) {
    List<Operand<TFloat32>> xs = split(tf, xt, 3);
    List<Operand<TFloat32>> rs = split(tf, tf.math.add(hr, recurrentBias), 3);
    Operand<TFloat32> zGate = tf.math.sigmoid(tf.math.add(xs.get(0), rs.get(0)));
    Operand<TFloat32> rGate = tf.math.sigmoid(tf.math.add(xs.get(1), rs.get(1)));
    Operand<TFloat32> candidate = tf.math.tanh(tf.math.add(xs.get(2), tf.math.mul(rGate, rs.get(2))));
    return new Gates(zGate, rGate, candidate, rs.get(2));
  }

  /** The next state, {@code z * previous + (1 - z) * c}. */
  static Operand<TFloat32> next(Ops tf, Gates g, Operand<TFloat32> previous) {
    return tf.math.add(tf.math.mul(g.z(), previous), tf.math.mul(tf.math.sub(tf.constant(1f), g.z()), g.candidate()));
  }

  @Override
  State step(Ops tf, Operand<TFloat32> xt, Operand<TFloat32> hr, State previous,
      @Nullable Operand<TFloat32> recurrentBias) {
    return new State(next(tf, gates(tf, xt, hr, recurrentBias), previous.h()), previous.c());
  }
}
