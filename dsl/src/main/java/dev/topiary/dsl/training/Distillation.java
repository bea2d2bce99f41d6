package dev.topiary.dsl.training;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Shapes;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Knowledge distillation (Hinton et al. 2015) as a loss: the student's logits are fitted to a mix of
 * the hard labels and the teacher's softened predictions,
 * {@code (1 - alpha) * CE(y, softmax(z)) + alpha * T^2 * KL(softmax(t / T) || softmax(z / T))}.
 * The {@code T^2} keeps the soft term's gradients on the scale of the hard term's as T grows.
 *
 * <p>Labels are floats of shape {@code (batch, 2 * classes)}: the one-hot hard label followed by the
 * teacher's logits, so that they travel with their examples through shuffling and validation splits
 * ({@link #labels} builds them). The model's output must be logits. The loss's labels are not class
 * ids, so evaluate the trained weights with a model compiled with the hard-label loss.
 */
public record Distillation(float temperature, float alpha) implements Loss {

  public Distillation {
    if (!(temperature > 0) || !Float.isFinite(temperature)) {
      throw new IllegalArgumentException("distillation temperature must be finite and > 0, got " + temperature);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("distillation alpha (weight of the teacher term) must lie in [0, 1], got "
          + alpha);
    }
  }

  /**
   * The labels this loss takes: {@code classIds} (int, one per example) one-hot, followed by
   * {@code teacherLogits} (float, {@code (examples, classes)}).
   *
   * @throws IllegalArgumentException if the counts differ or a class id is outside {@code [0, classes)}
   */
  public static HostArray labels(HostArray classIds, HostArray teacherLogits) {
    if (!classIds.isIntegral() || teacherLogits.isIntegral() || teacherLogits.shape().length != 2) {
      throw new IllegalArgumentException("distillation labels need int class ids and float teacher logits of shape"
          + " (examples, classes), got " + classIds.dtype() + " " + java.util.Arrays.toString(classIds.shape()) + " and "
          + teacherLogits.dtype() + " " + java.util.Arrays.toString(teacherLogits.shape()));
    }
    int n = classIds.examples();
    if (teacherLogits.examples() != n) {
      throw new IllegalArgumentException("distillation labels: " + n + " class ids but " + teacherLogits.examples()
          + " rows of teacher logits");
    }
    int classes = (int) teacherLogits.shape()[1];
    int[] ids = classIds.ints();
    float[] logits = teacherLogits.floats();
    float[] out = new float[n * 2 * classes];
    for (int i = 0; i < n; i++) {
      if (ids[i] < 0 || ids[i] >= classes) {
        throw new IllegalArgumentException("distillation labels: example " + i + " has class id " + ids[i]
            + ", outside [0, " + classes + ")");
      }
      out[i * 2 * classes + ids[i]] = 1f;
      System.arraycopy(logits, i * classes, out, i * 2 * classes + classes, classes);
    }
    return HostArray.of(out, n, 2L * classes);
  }

  @Override
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels) {
    Operand<TFloat32> y = (Operand<TFloat32>) labels;
    long classes = output.shape().get(output.shape().numDimensions() - 1);
    Operand<TFloat32> hard = tf.slice(y, tf.constant(new long[] {0, 0}), tf.constant(new long[] {-1, classes}));
    Operand<TFloat32> teacher = tf.slice(y, tf.constant(new long[] {0, classes}), tf.constant(new long[] {-1, classes}));
    Operand<TFloat32> hardLoss = tf.nn.softmaxCrossEntropyWithLogits(output, hard).loss();
    Operand<TFloat32> inverseT = tf.constant(1f / temperature);
    Operand<TFloat32> teacherScaled = tf.math.mul(teacher, inverseT);
    // The teacher's probabilities come from the labels alone: no path to a variable, no gradient.
    Operand<TFloat32> soft = tf.nn.softmax(teacherScaled);
    // KL(p || q) = CE(p, q) - H(p), and H(p) is the cross-entropy of p with its own logits.
    Operand<TFloat32> kl = tf.math.sub(
        tf.nn.softmaxCrossEntropyWithLogits(tf.math.mul(output, inverseT), soft).loss(),
        tf.nn.softmaxCrossEntropyWithLogits(teacherScaled, soft).loss());
    return tf.math.add(tf.math.mul(tf.constant(1f - alpha), hardLoss),
        tf.math.mul(tf.constant(alpha * temperature * temperature), kl));
  }

  /** Also requires an output of shape {@code (batch, classes)}, naming the output. */
  @Override
  public void checkLabels(String output, Shape outputShape, HostArray labels) {
    if (outputShape.numDimensions() != 2) {
      throw new IllegalArgumentException(kerasName() + " needs an output of shape (None, classes) (logits); output '"
          + output + "' has shape " + Shapes.format(outputShape));
    }
    Loss.super.checkLabels(output, outputShape, labels);
  }

  @Override
  public Shape labelShape(Shape outputShape) {
    return Shape.of(-1, 2 * outputShape.get(outputShape.numDimensions() - 1));
  }

  @Override
  public String kerasName() {
    return "distillation";
  }
}
