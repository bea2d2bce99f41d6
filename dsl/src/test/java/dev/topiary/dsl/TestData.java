package dev.topiary.dsl;

import dev.topiary.dsl.data.HostArray;
import java.util.Random;

/** Random examples for tests, fixed by a seed. */
final class TestData {
  private TestData() {}

  static HostArray gaussian(long seed, long... shape) {
    Random r = new Random(seed);
    int size = 1;
    for (long d : shape) {
      size *= (int) d;
    }
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return HostArray.of(v, shape);
  }

  static HostArray labels(long seed, int n, int classes) {
    Random r = new Random(seed);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
    }
    return HostArray.ofLabels(y);
  }

  /** Two gaussian blobs in {@code dims} dimensions, labelled 0/1 by the sign of the first 3 features' sum. */
  static HostArray[] separable(long seed, int n, int dims) {
    Random r = new Random(seed);
    float[] x = new float[n * dims];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      float s = 0;
      for (int j = 0; j < dims; j++) {
        x[i * dims + j] = (float) r.nextGaussian();
        if (j < 3) {
          s += x[i * dims + j];
        }
      }
      y[i] = s > 0 ? 1 : 0;
    }
    return new HostArray[] {HostArray.of(x, n, dims), HostArray.ofLabels(y)};
  }

  /** Every pruned weight of {@code model} is at the rounding rule's sparsity for {@code target} (no ties). */
  static void assertExactSparsity(Model model, float target) {
    java.util.Map<String, HostArray> weights = model.weights();
    model.sparsity().forEach((name, s) -> org.assertj.core.api.Assertions.assertThat(s).as(name).isCloseTo(
        dev.topiary.ops.Measurements.expectedSparsity(weights.get(name).floats().length, target),
        org.assertj.core.data.Offset.offset(1e-6)));
  }
}
