package dev.topiary.sparse.exec;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.sparse.kernel.ScalarKernels;

/** Topiary's activations in plain Java, in place, over float arrays (the same formulas as the TF ops). */
public final class Activations {
  private static final double SELU_SCALE = 1.0507009873554804934193349852946;
  private static final double SELU_ALPHA = 1.6732632423543772848170429916717;

  private Activations() {}

  /** Applies {@code a} to {@code x[0..n)}; softmax runs over consecutive runs of {@code lastDim} values. */
  public static void apply(Activation a, float[] x, int n, int lastDim) {
    switch (a) {
      case LINEAR -> { }
      case RELU -> map(x, n, v -> Math.max(v, 0f));
      case RELU6 -> map(x, n, v -> Math.min(Math.max(v, 0f), 6f));
      case SIGMOID -> map(x, n, Activations::sigmoid);
      case TANH -> map(x, n, ScalarKernels::tanh);
      case SOFTMAX -> softmax(x, n, lastDim);
      case ELU -> map(x, n, v -> v > 0 ? v : (float) Math.expm1(v));
      case SELU -> map(x, n, v -> (float) (v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v)));
      case SOFTPLUS -> map(x, n, v -> (float) (v > 20 ? v : Math.log1p(Math.exp(v))));
      case SOFTSIGN -> map(x, n, v -> v / (1 + Math.abs(v)));
      case SWISH -> map(x, n, v -> v * sigmoid(v));
      case GELU -> map(x, n, v -> (float) (0.5 * v * (1 + erf(v / Math.sqrt(2)))));
      case EXPONENTIAL -> map(x, n, v -> (float) Math.exp(v));
      case HARD_SIGMOID -> map(x, n, v -> Math.max(0f, Math.min(1f, 0.2f * v + 0.5f)));
      case HARD_SIGMOID_KERAS3 -> map(x, n, v -> Math.min(Math.max(v + 3f, 0f), 6f) / 6f);
      case HARD_SILU -> map(x, n, v -> v * (Math.min(Math.max(v + 3f, 0f), 6f) / 6f));
      case LEAKY_RELU -> map(x, n, v -> Math.max(v, 0.2f * v));
      case GELU_APPROXIMATE -> map(x, n, v -> (float) (0.5 * v
          * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * (double) v * v * v)))));
    }
  }

  public static float sigmoid(float v) {
    return ScalarKernels.sigmoid(v);
  }

  private interface FloatOp {
    float apply(float v);
  }

  private static void map(float[] x, int n, FloatOp op) {
    for (int i = 0; i < n; i++) {
      x[i] = op.apply(x[i]);
    }
  }

  private static void softmax(float[] x, int n, int lastDim) {
    for (int s = 0; s < n; s += lastDim) {
      float max = Float.NEGATIVE_INFINITY;
      for (int i = s; i < s + lastDim; i++) {
        max = Math.max(max, x[i]);
      }
      double sum = 0;
      for (int i = s; i < s + lastDim; i++) {
        double e = Math.exp(x[i] - max);
        x[i] = (float) e;
        sum += e;
      }
      for (int i = s; i < s + lastDim; i++) {
        x[i] = (float) (x[i] / sum);
      }
    }
  }

  /** erf to about 1e-12 (Taylor series near 0, continued fraction of erfc beyond). */
  static double erf(double z) {
    double a = Math.abs(z);
    double r;
    if (a < 2.5) {
      double term = a;
      double sum = a;
      double a2 = a * a;
      for (int k = 1; k < 60; k++) {
        term *= -a2 / k;
        double add = term / (2 * k + 1);
        sum += add;
        if (Math.abs(add) < 1e-17) {
          break;
        }
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))) (Lentz-free, fixed depth)
      double f = a;
      for (int k = 60; k >= 1; k--) {
        f = a + (k / 2.0) / f;
      }
      r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
    return z < 0 ? -r : r;
  }
}
