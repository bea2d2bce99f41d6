package dev.topiary.dsl.layers;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.tensorflow.ndarray.Shape;

/**
 * Initial values of a weight, computed in Java from a seeded generator so that a model seed fixes
 * every initial weight on every platform.
 */
@FunctionalInterface
public interface Initializer {

  /** Row-major values for {@code shape}. */
  float[] values(Shape shape, SplittableRandom random);

  /** Zeros (Keras' default for biases). */
  Initializer ZEROS = (shape, random) -> new float[Math.toIntExact(shape.size())];

  /** Ones (batch-normalization scale and moving variance). */
  Initializer ONES = constant(1f);

  /**
   * Glorot (Xavier) uniform, Keras' default for kernels: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)),
   * where for a kernel [..receptive field.., in, out] fanIn = receptive * in and fanOut = receptive * out.
   */
  Initializer GLOROT_UNIFORM =
      (shape, random) -> {
        int rank = shape.numDimensions();
        double receptive = 1;
        for (int i = 0; i < rank - 2; i++) {
          receptive *= shape.get(i);
        }
        double fanIn = rank >= 2 ? receptive * shape.get(rank - 2) : shape.size();
        double fanOut = rank >= 2 ? receptive * shape.get(rank - 1) : shape.size();
        double limit = Math.sqrt(6.0 / Math.max(1.0, fanIn + fanOut));
        return uniform(shape, random, limit);
      };

  /** Uniform in [-limit, limit). */
  static Initializer uniform(double limit) {
    return (shape, random) -> uniform(shape, random, limit);
  }

  static Initializer constant(float value) {
    return (shape, random) -> {
      float[] v = new float[Math.toIntExact(shape.size())];
      Arrays.fill(v, value);
      return v;
    };
  }

  private static float[] uniform(Shape shape, SplittableRandom random, double limit) {
    float[] v = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
    return v;
  }
}
