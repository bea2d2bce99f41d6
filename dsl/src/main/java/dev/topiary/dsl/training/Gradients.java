package dev.topiary.dsl.training;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.nn.SparseSoftmaxCrossEntropyWithLogits;
import org.tensorflow.types.TFloat32;

/**
 * Gradients that TF Java 1.1 lacks, registered once per process. Conv3D (see below) and
 * SparseSoftmaxCrossEntropyWithLogits:
 * d loss / d logits = upstream[:, None] * backprop (the op's second output); labels get zeros.
 */
public final class Gradients {
  private static boolean registered;

  private Gradients() {}

  @SuppressWarnings("unchecked")
  /** Registers the missing gradients once; called before any gradient is built. */
  public static synchronized void ensureRegistered() {
    if (registered) {
      return;
    }
    TensorFlow.registerCustomGradient(SparseSoftmaxCrossEntropyWithLogits.OP_NAME, (tf, op, upstream) -> {
      Operand<TFloat32> lossGrad = (Operand<TFloat32>) upstream.get(0);
      Operand<TFloat32> backprop = (Operand<TFloat32>) (Operand<?>) op.output(1);
      Operand<TFloat32> logitsGrad = tf.math.mul(tf.expandDims(lossGrad, tf.constant(-1)), backprop);
      // TF Java needs an operand for every input; integer labels get zeros, which nothing consumes.
      return Arrays.asList(logitsGrad, tf.zerosLike(op.input(1)));
    });
    // Conv3D: d/d input = Conv3DBackpropInputV2, d/d filter = Conv3DBackpropFilterV2, same attributes.
    TensorFlow.registerCustomGradient(org.tensorflow.op.nn.Conv3d.OP_NAME, (tf, op, upstream) -> {
      Operand<TFloat32> input = (Operand<TFloat32>) (Operand<?>) op.input(0);
      Operand<TFloat32> filter = (Operand<TFloat32>) (Operand<?>) op.input(1);
      Operand<TFloat32> grad = (Operand<TFloat32>) upstream.get(0);
      java.util.List<Long> strides = java.util.Arrays.stream(op.attributes().getAttrIntList("strides")).boxed().toList();
      java.util.List<Long> dilations =
          java.util.Arrays.stream(op.attributes().getAttrIntList("dilations")).boxed().toList();
      String padding = op.attributes().getAttrString("padding");
      Operand<TFloat32> dInput = tf.nn.conv3dBackpropInput(tf.shape(input), filter, grad, strides, padding,
          org.tensorflow.op.nn.Conv3dBackpropInput.dilations(dilations));
      Operand<TFloat32> dFilter = tf.nn.conv3dBackpropFilter(input, tf.shape(filter), grad, strides, padding,
          org.tensorflow.op.nn.Conv3dBackpropFilter.dilations(dilations));
      return Arrays.asList(dInput, dFilter);
    });
    // Conv3DBackpropInputV2 (the forward op of Conv3DTranspose): d/d filter = Conv3DBackpropFilterV2 with
    // the upstream gradient as input and the op's input as out_backprop; d/d out_backprop = Conv3D.
    TensorFlow.registerCustomGradient(org.tensorflow.op.nn.Conv3dBackpropInput.OP_NAME, (tf, op, upstream) -> {
      Operand<TFloat32> filter = (Operand<TFloat32>) (Operand<?>) op.input(1);
      Operand<TFloat32> x = (Operand<TFloat32>) (Operand<?>) op.input(2);
      Operand<TFloat32> grad = (Operand<TFloat32>) upstream.get(0);
      java.util.List<Long> strides = java.util.Arrays.stream(op.attributes().getAttrIntList("strides")).boxed().toList();
      String padding = op.attributes().getAttrString("padding");
      Operand<TFloat32> dFilter = tf.nn.conv3dBackpropFilter(grad, tf.shape(filter), x, strides, padding);
      Operand<TFloat32> dX = tf.nn.conv3d(grad, filter, strides, padding);
      return Arrays.asList(tf.zerosLike(op.input(0)), dFilter, dX);
    });
    registerBlockLstm();
    dev.topiary.dsl.layers.recurrent.FusedGru.registerGradients();
    registered = true;
  }

  /**
   * BlockLSTMV2's gradient (the fused LSTM, {@code FusedLstm}), which TF Java lacks: BlockLSTMGradV2 on the op's inputs and outputs and
   * the gradients of its {@code cs} and {@code h} outputs (the others are intermediates that only the
   * gradient op reads, as in TF's Python gradient). Outputs nothing depends on get zero gradients.
   */
  @SuppressWarnings("unchecked")
  private static void registerBlockLstm() {
    TensorFlow.registerCustomGradient(org.tensorflow.op.nn.BlockLSTM.OP_NAME, (tf, op, upstream) -> {
      Operand<TFloat32>[] in = new Operand[9];
      for (int k = 1; k < 9; k++) {
        in[k] = (Operand<TFloat32>) (Operand<?>) op.input(k);
      }
      Operand<TFloat32>[] out = new Operand[7];
      for (int k = 0; k < 7; k++) {
        out[k] = (Operand<TFloat32>) (Operand<?>) op.output(k);
      }
      Operand<TFloat32> csGrad = upstream.get(1) != null ? (Operand<TFloat32>) upstream.get(1) : tf.zerosLike(out[1]);
      Operand<TFloat32> hGrad = upstream.get(6) != null ? (Operand<TFloat32>) upstream.get(6) : tf.zerosLike(out[6]);
      var grad = tf.nn.blockLSTMGrad((Operand<org.tensorflow.types.TInt64>) (Operand<?>) op.input(0), in[1], in[2], in[3], in[4], in[5], in[6],
          in[7], in[8], out[0], out[1], out[2], out[3], out[4], out[5], out[6], csGrad, hGrad,
          op.attributes().getAttrBool("use_peephole"));
      return Arrays.asList(tf.zerosLike(op.input(0)), grad.xGrad(), grad.csPrevGrad(), grad.hPrevGrad(), grad.wGrad(),
          grad.wciGrad(), grad.wcfGrad(), grad.wcoGrad(), grad.bGrad());
    });
  }
}
