package dev.topiary.sparse;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Test models: built in TF, given random weights with a chosen zero pattern in every kernel. */
final class TfModels {
  static final Compile MSE = Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()).seed(1);

  private TfModels() {}

  /** Zero patterns a kernel {@code [.., in, out]} (leading axes folded into in) can be given. */
  enum Zeros { RANDOM, BLOCKS_1X4, BLOCKS_4X1, TWO_FOUR, ALL }

  /** {@code spec} in TF, with random weights (biases too) and {@code sparsity} zeros per kernel in {@code zeros}. */
  static Model build(ModelSpec spec, Zeros zeros, double sparsity, long seed) {
    Model m = spec.compile(MSE);
    Map<String, HostArray> w = new LinkedHashMap<>();
    SplittableRandom r = new SplittableRandom(seed);
    for (Map.Entry<String, HostArray> e : m.weights().entrySet()) {
      long[] shape = e.getValue().shape();
      float[] v = new float[e.getValue().floats().length];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextDouble(-0.5, 0.5);
      }
      boolean kernel = (e.getKey().endsWith("kernel") || e.getKey().endsWith("embeddings")) && shape.length >= 2;
      if (kernel) {
        // attention's query/key/value kernels [features, heads, keyDim] multiply as [features, heads * keyDim]
        boolean projection = shape.length == 3 && e.getKey().matches(".*_(query|key|value)_kernel");
        int out = (int) (projection ? shape[1] * shape[2] : shape[shape.length - 1]);
        zero(v, v.length / out, out, zeros, sparsity, r);
      }
      w.put(e.getKey(), HostArray.of(v, shape));
    }
    m.setWeights(w);
    return m;
  }

  static void zero(float[] k, int in, int out, Zeros zeros, double sparsity, SplittableRandom r) {
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        boolean drop = switch (zeros) {
          case RANDOM -> r.nextDouble() < sparsity;
          case BLOCKS_1X4 -> hash(i, j / 4) < sparsity;
          case BLOCKS_4X1 -> hash(i / 4, j) < sparsity;
          case TWO_FOUR -> (i % 4) != (j % 4) && (i % 4) != ((j + 2) % 4);
          case ALL -> true;
        };
        if (drop) {
          k[i * out + j] = 0f;
        }
      }
    }
  }

  /** A fixed pseudo-random number in [0, 1) per block. */
  private static double hash(int a, int b) {
    return new SplittableRandom(a * 1_000_003L + b).nextDouble();
  }

  static HostArray randomInput(long seed, int examples, long... shape) {
    SplittableRandom r = new SplittableRandom(seed);
    long n = examples;
    for (long d : shape) {
      n *= d;
    }
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    long[] full = new long[shape.length + 1];
    full[0] = examples;
    System.arraycopy(shape, 0, full, 1, shape.length);
    return HostArray.of(v, full);
  }

  static HostArray randomIds(long seed, int examples, int steps, int vocabulary) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[examples * steps];
    for (int i = 0; i < v.length; i++) {
      // trailing zeros (padding) in some examples, as tokenized text has
      v[i] = (i % steps) > steps - 1 - (i / steps) % 3 ? 0 : r.nextInt(vocabulary);
    }
    return HostArray.of(v, examples, steps);
  }
}
