package dev.topiary.dsl.layers.pooling;

import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The {@code MaxPool} op with its window and strides as attributes. TF Java's {@code tf.nn.maxPool}
 * emits {@code MaxPoolV2} (window and strides as tensors), which TFLite's builtin ops do not take;
 * {@code MaxPool} computes the same and has the same gradient registered in TensorFlow's C API.
 */
final class MaxPoolOp {
  private MaxPoolOp() {}

  static Operand<TFloat32> create(Ops tf, Operand<TFloat32> x, long[] window, long[] strides, String padding) {
    OperationBuilder b = tf.scope().opBuilder("MaxPool", "MaxPool");
    b.addInput(x.asOutput());
    b.setAttr("ksize", window);
    b.setAttr("strides", strides);
    b.setAttr("padding", padding);
    b.setAttr("data_format", "NHWC");
    return b.build().output(0);
  }
}
