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

  /**
   * Orthogonal (Keras' default for recurrent kernels): a random Gaussian matrix made orthonormal along
   * its smaller dimension by Gram-Schmidt. For {@code [U, gU]} recurrent kernels the rows are orthonormal.
   */
  Initializer ORTHOGONAL =
      (shape, random) -> {
        int rows = (int) shape.get(0);
        int cols = (int) (shape.size() / rows);
        boolean transpose = rows > cols;
        int n = transpose ? cols : rows; // vectors to orthonormalize
        int len = transpose ? rows : cols;
        double[][] v = new double[n][len];
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < len; j++) {
            v[i][j] = gaussian(random);
          }
          for (int k = 0; k < i; k++) {
            double dot = 0;
            for (int j = 0; j < len; j++) {
              dot += v[i][j] * v[k][j];
            }
            for (int j = 0; j < len; j++) {
              v[i][j] -= dot * v[k][j];
            }
          }
          double norm = 0;
          for (int j = 0; j < len; j++) {
            norm += v[i][j] * v[i][j];
          }
          norm = Math.sqrt(norm);
          for (int j = 0; j < len; j++) {
            v[i][j] /= norm;
          }
        }
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < cols; c++) {
            out[r * cols + c] = (float) (transpose ? v[c][r] : v[r][c]);
          }
        }
        return out;
      };

  private static double gaussian(SplittableRandom random) {
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

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
