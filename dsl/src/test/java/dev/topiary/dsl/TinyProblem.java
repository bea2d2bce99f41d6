package dev.topiary.dsl;

import dev.topiary.dsl.data.HostArray;
import java.util.Random;

/**
 * The small classification problem runtime and callback tests share: 6 gaussian features, 3 classes,
 * class c lifting features c and c + 3 by 2 (separable), seeded.
 */
public final class TinyProblem {
  private TinyProblem() {}

  /** {@code n} examples: features [n, 6] and int labels [n]. */
  public static HostArray[] data(int n) {
    Random r = new Random(5);
    float[] x = new float[n * 6];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
      for (int j = 0; j < 6; j++) {
        x[i * 6 + j] = (float) r.nextGaussian() + (j % 3 == y[i] ? 2f : 0f);
      }
    }
    return new HostArray[] {HostArray.of(x, n, 6), HostArray.ofLabels(y)};
  }
}
