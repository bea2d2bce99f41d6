package dev.topiary.dsl.layers.recurrent;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.BlockLSTM;
import org.tensorflow.types.TFloat32;

/**
 * A whole LSTM sequence as one TensorFlow op, {@code BlockLSTMV2} (TF's fused CPU kernel; its gradient is registered in
 * {@code dev.topiary.dsl.training.Gradients}), instead of
 * the steps unrolled into the graph: the graph no longer grows with the sequence length, so building
 * it and its first (optimized) run stay short at 500 steps, and each step runs inside one kernel.
 *
 * <p>Same equations as Keras' LSTM: BlockLSTMV2 (unlike BlockLSTM) uses Keras' gate order i, f, c, o,
 * adds no forget bias and clips nothing (cell_clip 0), with sigmoid gates and a tanh cell, so the
 * kernel, recurrent kernel (pruned reads included) and bias go in as they are. It computes
 * {@code [x, h] * [kernel; recurrent_kernel]} as one matmul where the unrolled cell sums two, so results
 * differ from the unrolled form by float32 rounding only. Used without a mask (masked steps must keep
 * the state, which the kernel cannot do per example).
 */
final class FusedLstm {
  private FusedLstm() {}

  /**
   * Outputs of an LSTM over {@code x (batch, steps, features)}: every step's hidden state in processing
   * order {@code (steps, batch, units)}, and the last hidden and cell states {@code (batch, units)}.
   */
  record Result(Operand<TFloat32> sequence, Operand<TFloat32> lastH, Operand<TFloat32> lastC) {}

  static Result run(Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, Operand<TFloat32> recurrent,
      Operand<TFloat32> bias, int units, boolean goBackwards) {
    int steps = (int) x.shape().get(1);
    Operand<TFloat32> timeMajor = tf.linalg.transpose(x, tf.constant(new int[] {1, 0, 2}));
    if (goBackwards) {
      int[] reversed = new int[steps];
      for (int t = 0; t < steps; t++) {
        reversed[t] = steps - 1 - t;
      }
      timeMajor = tf.gather(timeMajor, tf.constant(reversed), tf.constant(0));
    }
    Operand<TFloat32> w = tf.concat(List.of(kernel, recurrent), tf.constant(0));
    Operand<TFloat32> zeros = Recurrent.zeroState(tf, x, units);
    Operand<TFloat32> noPeephole = tf.fill(tf.constant(new int[] {units}), tf.constant(0f));
    BlockLSTM<TFloat32> lstm = tf.nn.blockLSTM(tf.constant((long) steps), timeMajor, zeros, zeros, w,
        noPeephole, noPeephole, noPeephole, bias, BlockLSTM.cellClip(0f), BlockLSTM.usePeephole(false));
    return new Result(lstm.h(), last(tf, lstm.h(), steps, units), last(tf, lstm.cs(), steps, units));
  }

  /** Step {@code steps - 1} of a {@code (steps, batch, units)} tensor, as {@code (batch, units)}. */
  private static Operand<TFloat32> last(Ops tf, Operand<TFloat32> timeMajor, int steps, int units) {
    return tf.reshape(tf.slice(timeMajor, tf.constant(new int[] {steps - 1, 0, 0}), tf.constant(new int[] {1, -1, -1})),
        tf.constant(new long[] {-1, units}));
  }
}
