package dev.topiary.dsl.layers.recurrent;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.ops.PruningSpec;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keras' SimpleRNN: {@code h = tanh(x . kernel + h . recurrent_kernel + bias)}; kernel and recurrent
 * kernel prunable.
 */
public final class SimpleRNN extends Recurrent<SimpleRNN> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<SimpleRNN> TYPE =
      LayerType.of("SimpleRNN", SimpleRNN.class, s -> read(of(s.getInt("units")), s))
          .with(KerasForm.class, kerasForm("SimpleRNN"));

  private SimpleRNN(@Nullable String name, @Nullable PruningSpec pruning, int units, boolean returnSequences,
      boolean goBackwards, boolean returnState) {
    super(name, pruning, units, returnSequences, goBackwards, returnState);
  }

  public static SimpleRNN of(int units) {
    return new SimpleRNN(null, null, units, false, false, false);
  }

  @Override
  SimpleRNN create(@Nullable String name, @Nullable PruningSpec pruning, boolean returnSequences, boolean goBackwards,
      boolean returnState) {
    return new SimpleRNN(name, pruning, units, returnSequences, goBackwards, returnState);
  }

  @Override
  public String typeName() {
    return "SimpleRNN";
  }

  @Override
  int gates() {
    return 1;
  }

  @Override
  State step(Ops tf, Operand<TFloat32> xt, Operand<TFloat32> hr, State previous,
      @Nullable Operand<TFloat32> recurrentBias) {
    return new State(tf.math.tanh(tf.math.add(xt, hr)), previous.c());
  }
}
