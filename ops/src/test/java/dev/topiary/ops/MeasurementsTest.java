package dev.topiary.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The sparsity ops: on a weight of known shape they take its axes and element count as constants,
 * on an operand of unknown shape they compute them; both must give the correctly rounded float of
 * zeros / size, bit for bit (Java's float division of the two exact integers is the expected value).
 */
class MeasurementsTest {
  @Test
  void knownAndUnknownShapesGiveTheSameSparsityBitForBit() {
    TensorFlowRuntime.requireSupported();
    Random random = new Random(11);
    for (long[] dims : new long[][] {{3, 7, 5}, {1}, {13}, {2, 3, 3, 17}, {}}) {
      int size = (int) Shape.of(dims).size();
      float[] values = new float[size];
      int zeros = 0;
      for (int i = 0; i < size; i++) {
        values[i] = random.nextInt(3) == 0 ? 0f : random.nextFloat() + 0.5f;
        zeros += values[i] == 0f ? 1 : 0;
      }
      float expected = (float) zeros / (float) size;
      try (Graph g = new Graph(); Session s = new Session(g);
          TFloat32 fed = TFloat32.tensorOf(Shape.of(dims), org.tensorflow.ndarray.buffer.DataBuffers.of(values))) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> known = tf.constant(Shape.of(dims), org.tensorflow.ndarray.buffer.DataBuffers.of(values));
        Placeholder<TFloat32> unknown = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.unknown()));
        try (Result r = s.runner().feed(unknown, fed).fetch(Measurements.sparsity(tf, known))
            .fetch(Measurements.sparsity(tf, unknown)).run()) {
          float a = ((TFloat32) r.get(0)).getFloat();
          float b = ((TFloat32) r.get(1)).getFloat();
          assertThat(Float.floatToRawIntBits(a)).as("known shape %s", Shape.of(dims)).isEqualTo(Float.floatToRawIntBits(expected));
          assertThat(Float.floatToRawIntBits(b)).as("unknown shape %s", Shape.of(dims)).isEqualTo(Float.floatToRawIntBits(expected));
        }
      }
    }
  }
}
