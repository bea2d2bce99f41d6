package dev.topiary.dsl.training;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Shapes;
import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A loss: per-example values, averaged over the batch (Keras' sum-over-batch-size reduction), plus
 * the accuracy that {@link Metric#ACCURACY} means for it and the labels it accepts.
 *
 * <p>To add one, implement {@link #perExample} and {@link #kerasName} (the other methods have
 * defaults for float labels shaped like the output), make it an immutable value with {@code equals},
 * and register it with {@link TrainingRegistry#registerLoss} to save it in configs.
 */
public interface Loss {

  /** Clipping of probabilities before a log, as Keras' epsilon. */
  float EPSILON = 1e-7f;

  /** Integer class labels {@code (batch,)}; the model outputs one score per class. */
  static SparseCategoricalCrossentropy sparseCategoricalCrossentropy(boolean fromLogits) {
    return new SparseCategoricalCrossentropy(fromLogits);
  }

  /** One-hot float labels of the output's shape. */
  static CategoricalCrossentropy categoricalCrossentropy(boolean fromLogits) {
    return new CategoricalCrossentropy(fromLogits);
  }

  /** Float labels in [0, 1] of the output's shape (or {@code (batch,)} for one output unit). */
  static BinaryCrossentropy binaryCrossentropy(boolean fromLogits) {
    return new BinaryCrossentropy(fromLogits);
  }

  /**
   * Knowledge distillation from a teacher's logits at {@code temperature}, {@code alpha} the weight of
   * the teacher term; labels from {@link Distillation#labels}.
   */
  static Distillation distillation(double temperature, double alpha) {
    return new Distillation((float) temperature, (float) alpha);
  }

  static MeanSquaredError meanSquaredError() {
    return new MeanSquaredError();
  }

  /** Whether labels are integer class ids (else floats, the default). */
  default boolean integerLabels() {
    return false;
  }

  /** Per-example loss, shape {@code (batch,)}. */
  Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels);

  /**
   * Accuracy matching this loss's labels.
   *
   * @throws IllegalArgumentException if accuracy means nothing for this loss (the default)
   */
  default Metric accuracy() {
    throw new IllegalArgumentException("accuracy is not defined for " + kerasName() + "; use metrics that fit the loss");
  }

  /** The label placeholder shape for an output of {@code outputShape} (by default the output's shape). */
  default Shape labelShape(Shape outputShape) {
    return outputShape;
  }

  /**
   * {@code values} of shape (batch, ...) averaged over every axis after the batch axis, so that a
   * rank-3 output (e.g. Dense on a sequence) gives one loss per example, as Keras' sum-over-batch-size
   * reduction averages over every position.
   */
  private static Operand<TFloat32> perExampleMean(Ops tf, Operand<TFloat32> values) {
    int rank = values.shape().numDimensions();
    if (rank <= 1) {
      return values;
    }
    int[] axes = new int[rank - 1];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i + 1;
    }
    return tf.math.mean(values, tf.constant(axes));
  }

  /** Labels shaped like the output, or {@code (batch,)} for a single output unit. */
  private static Shape sameOrFlat(Shape outputShape) {
    return outputShape.numDimensions() == 2 && outputShape.get(1) == 1 ? Shape.of(-1) : outputShape;
  }

  /** Keras' name (or your loss's name), for logs and messages. */
  String kerasName();

  /**
   * Checks that {@code labels} suit this loss for an output of {@code outputShape}.
   *
   * @throws IllegalArgumentException naming the output, the expected and the actual dtype and shape
   */
  default void checkLabels(String output, Shape outputShape, HostArray labels) {
    if (labels.dtype() == HostArray.DType.INT64) {
      throw new IllegalArgumentException("labels for output '" + output + "' are int64; give int labels"
          + " (HostArray.ofLabels) or float labels");
    }
    if (labels.isIntegral() != integerLabels()) {
      throw new IllegalArgumentException(kerasName() + " needs " + (integerLabels() ? "integer" : "float")
          + " labels for output '" + output + "', got " + (labels.isIntegral() ? "integer" : "float") + " labels");
    }
    Shape expected = labelShape(outputShape);
    long[] actual = labels.exampleShape();
    long[] wanted = Shapes.withoutBatch(expected);
    if (!Arrays.equals(actual, wanted)) {
      throw new IllegalArgumentException(kerasName() + " labels for output '" + output + "' must have shape "
          + Shapes.format(expected) + ", got " + Arrays.toString(labels.shape()));
    }
  }

  record SparseCategoricalCrossentropy(boolean fromLogits) implements Loss {
    @Override
    public boolean integerLabels() {
      return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels) {
      Gradients.ensureRegistered();
      // The op normalizes its input with a softmax: log-probabilities give -log p[label] exactly.
      Operand<TFloat32> logits = fromLogits ? output : tf.math.log(Probabilities.clip(tf, output));
      if (logits.shape().numDimensions() != 2) {
        // Outputs of another rank are refused by checkLabels before any run, with the output named;
        // the graph still builds (one class score row per example), so compile itself does not fail
        // inside TensorFlow.
        long classes = logits.shape().get(logits.shape().numDimensions() - 1);
        logits = tf.reshape(logits, tf.constant(new long[] {-1, classes}));
      }
      return tf.nn.sparseSoftmaxCrossEntropyWithLogits(logits, (Operand<TInt32>) labels).loss();
    }

    /**
     * Also requires an output of shape {@code (batch, classes)} and every label in {@code [0, classes)},
     * naming the output, the label and its example index.
     */
    @Override
    public void checkLabels(String output, Shape outputShape, HostArray labels) {
      if (outputShape.numDimensions() != 2) {
        throw new IllegalArgumentException(kerasName() + " takes one class id per example, labels of shape "
            + Shapes.format(labelShape(outputShape)) + ", for an output of shape (None, classes); output '" + output
            + "' has shape " + Shapes.format(outputShape) + " (labels given: " + Arrays.toString(labels.shape())
            + "). Reduce the output to (None, classes) (e.g. Flatten or GlobalAveragePooling1D before the last"
            + " Dense), or use one-hot labels of the output's shape with categorical_crossentropy");
      }
      Loss.super.checkLabels(output, outputShape, labels);
      long classes = outputShape.get(1);
      int[] ids = labels.ints();
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] < 0 || ids[i] >= classes) {
          throw new IllegalArgumentException(kerasName() + " labels for output '" + output + "' must be class ids in"
              + " [0, " + classes + "): example " + i + " has label " + ids[i]);
        }
      }
    }

    @Override
    public Metric accuracy() {
      return Metric.SPARSE_CATEGORICAL_ACCURACY;
    }

    @Override
    public Shape labelShape(Shape outputShape) {
      return Shape.of(-1);
    }

    @Override
    public String kerasName() {
      return "sparse_categorical_crossentropy";
    }
  }

  record CategoricalCrossentropy(boolean fromLogits) implements Loss {
    @Override
    public boolean integerLabels() {
      return false;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels) {
      Operand<TFloat32> y = (Operand<TFloat32>) labels;
      Operand<TFloat32> perPosition;
      if (fromLogits && output.shape().numDimensions() == 2) {
        perPosition = tf.nn.softmaxCrossEntropyWithLogits(output, y).loss();
      } else if (fromLogits) {
        // Rows of class scores through the 2-D op, then back to (batch, ...). (LogSoftmax's registered
        // gradient sums over axis 1 only, so it is wrong beyond rank 2.)
        int rank = output.shape().numDimensions();
        Operand<org.tensorflow.types.TInt64> classes = tf.constant(new long[] {-1, output.shape().get(rank - 1)});
        Operand<TFloat32> rows = tf.nn.softmaxCrossEntropyWithLogits(tf.reshape(output, classes), tf.reshape(y, classes))
            .loss();
        Operand<org.tensorflow.types.TInt64> leading =
            tf.slice(tf.shape(output, org.tensorflow.types.TInt64.class), tf.constant(new long[] {0}),
                tf.constant(new long[] {rank - 1}));
        perPosition = tf.reshape(rows, leading);
      } else {
        Operand<TFloat32> logP = tf.math.log(Probabilities.clip(tf, output));
        perPosition = tf.math.neg(tf.sum(tf.math.mul(y, logP), tf.constant(-1)));
      }
      return perExampleMean(tf, perPosition);
    }

    @Override
    public Metric accuracy() {
      return Metric.CATEGORICAL_ACCURACY;
    }

    @Override
    public Shape labelShape(Shape outputShape) {
      return outputShape;
    }

    @Override
    public String kerasName() {
      return "categorical_crossentropy";
    }
  }

  record BinaryCrossentropy(boolean fromLogits) implements Loss {
    @Override
    public boolean integerLabels() {
      return false;
    }

    @Override
    public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels) {
      Operand<TFloat32> z = tf.reshape(Probabilities.floats(labels), tf.shape(output));
      Operand<TFloat32> elementwise;
      if (fromLogits) {
        // max(x, 0) - x z + log(1 + exp(-|x|)): stable for any logit.
        elementwise = tf.math.add(
            tf.math.sub(tf.math.maximum(output, tf.constant(0f)), tf.math.mul(output, z)),
            tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(output)))));
      } else {
        Operand<TFloat32> p = Probabilities.clip(tf, output);
        Operand<TFloat32> one = tf.constant(1f);
        elementwise = tf.math.neg(tf.math.add(tf.math.mul(z, tf.math.log(p)),
            tf.math.mul(tf.math.sub(one, z), tf.math.log(tf.math.sub(one, p)))));
      }
      return output.shape().numDimensions() <= 1 ? elementwise : perExampleMean(tf, elementwise);
    }

    /** Also requires every label in [0, 1], naming the output, the value and its example index. */
    @Override
    public void checkLabels(String output, Shape outputShape, HostArray labels) {
      Loss.super.checkLabels(output, outputShape, labels);
      float[] values = labels.floats();
      int perExample = values.length / Math.max(1, labels.examples());
      for (int i = 0; i < values.length; i++) {
        if (!(values[i] >= 0f && values[i] <= 1f)) {
          throw new IllegalArgumentException(kerasName() + " labels for output '" + output + "' must lie in [0, 1]:"
              + " example " + (i / Math.max(1, perExample)) + " holds " + values[i]);
        }
      }
    }

    @Override
    public Metric accuracy() {
      return Metric.BINARY_ACCURACY;
    }

    @Override
    public Shape labelShape(Shape outputShape) {
      return sameOrFlat(outputShape);
    }

    @Override
    public String kerasName() {
      return "binary_crossentropy";
    }
  }

  record MeanSquaredError() implements Loss {
    @Override
    public boolean integerLabels() {
      return false;
    }

    @Override
    public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> output, Operand<?> labels) {
      Operand<TFloat32> diff = tf.math.sub(output, tf.reshape(Probabilities.floats(labels), tf.shape(output)));
      Operand<TFloat32> squared = tf.math.mul(diff, diff);
      if (output.shape().numDimensions() == 1) {
        return squared;
      }
      int[] exampleAxes = new int[output.shape().numDimensions() - 1];
      for (int i = 0; i < exampleAxes.length; i++) {
        exampleAxes[i] = i + 1;
      }
      return tf.math.mean(squared, tf.constant(exampleAxes));
    }

    @Override
    public Metric accuracy() {
      throw new IllegalArgumentException("accuracy is not defined for mean_squared_error; use metrics for"
          + " classification losses only");
    }

    @Override
    public Shape labelShape(Shape outputShape) {
      return sameOrFlat(outputShape);
    }

    @Override
    public String kerasName() {
      return "mean_squared_error";
    }
  }
}
