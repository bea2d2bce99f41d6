package dev.topiary.samples.sparse;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.sparse.WeightPlan;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Dense vs sparse inference latency: an MNIST MLP (784-1024-1024-10) pruned to 90 % during training on
 * the embedded subset, stripped, then run by TF Java and by {@link SparseModel} (sparse kernels in Java)
 * at batch 1 and 32, interleaved. Prints the accuracy of both (equal), the largest output difference,
 * the formats chosen, the weight bytes and the latencies. Options: {@code --target 0.9}, {@code --threads N}.
 * Start the JVM with {@code --add-modules jdk.incubator.vector} (MAVEN_OPTS for exec:java) for the Vector
 * API kernels; without it the plain-Java kernels run.
 */
public final class SparseInference {
  private SparseInference() {}

  public static ModelSpec model() {
    return Sequential.of(Input.of(28, 28), Flatten.of(), Dense.of(1024, Activation.RELU), Dense.of(1024, Activation.RELU),
        Dense.of(10));
  }

  public static void main(String[] args) {
    List<String> a = Arrays.asList(args);
    double target = a.contains("--target") ? Double.parseDouble(a.get(a.indexOf("--target") + 1)) : 0.9;
    int threads = a.contains("--threads") ? Integer.parseInt(a.get(a.indexOf("--threads") + 1)) : 1;
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    int epochs = 4;
    int batch = 64;
    int end = epochs * ((train.size() + batch - 1) / batch) * 3 / 4 / 10 * 10;
    ModelSpec spec = model().prunedWith(PruningSpec.of(PolynomialDecay.of(0.3, target, 0, end, 3, 10)));
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(42);
    System.out.printf(Locale.ROOT, "Training %s pruned to %.0f %% on %d MNIST images (%d epochs)...%n", "784-1024-1024-10",
        100 * target, train.size(), epochs);
    try (Model pruned = spec.compile(compile)) {
      pruned.fit(train.dataset(), Fit.ofEpochs(epochs).batchSize(batch).progress(ProgressSink.silent()));
      try (Model stripped = pruned.strip();
          SparseModel sparse = SparseModel.of(stripped, SparseOptions.defaults().threads(threads))) {
        HostArray x = test.images();
        HostArray dense = stripped.predict(x);
        HostArray fast = sparse.predict(x);
        float maxDiff = 0;
        for (int i = 0; i < dense.floats().length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(dense.floats()[i] - fast.floats()[i]));
        }
        System.out.printf(Locale.ROOT, "test accuracy: TF %.4f, sparse %.4f; largest output difference %.2e%n",
            accuracy(dense, test.labels()), accuracy(fast, test.labels()), maxDiff);
        System.out.println("kernels " + sparse.kernels() + ", " + threads + " thread(s); formats:");
        for (WeightPlan p : sparse.plan()) {
          System.out.println("  " + p);
        }
        long denseBytes = stripped.weights().values().stream().mapToLong(w -> 4L * w.floats().length).sum();
        System.out.printf(Locale.ROOT, "weights: dense %d bytes, sparse %d bytes (%.3f)%n", denseBytes,
            sparse.weightBytes(), (double) sparse.weightBytes() / denseBytes);
        System.out.println();
        System.out.println("| batch | TF Java dense (us) | SparseModel (us) | ratio |");
        System.out.println("|---|---|---|---|");
        for (int b : new int[] {1, 32}) {
          HostArray xb = x.slice(0, b);
          double[] t = latency(() -> stripped.predict(List.of(xb), b), () -> sparse.predict(List.of(xb), b));
          System.out.printf(Locale.ROOT, "| %d | %.0f | %.0f | %.2f |%n", b, t[0], t[1], t[1] / t[0]);
        }
      }
    }
  }

  static double accuracy(HostArray logits, HostArray labels) {
    int classes = (int) logits.shape()[1];
    float[] v = logits.floats();
    int[] y = labels.ints();
    int right = 0;
    for (int n = 0; n < y.length; n++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (v[n * classes + c] > v[n * classes + best]) {
          best = c;
        }
      }
      right += best == y[n] ? 1 : 0;
    }
    return (double) right / y.length;
  }

  /** Median microseconds of each, run interleaved (the machine may be busy with other work). */
  static double[] latency(Runnable dense, Runnable sparse) {
    for (int w = 0; w < 20; w++) {
      dense.run();
      sparse.run();
    }
    int n = 60;
    double[][] t = new double[2][n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      dense.run();
      long t1 = System.nanoTime();
      sparse.run();
      long t2 = System.nanoTime();
      t[0][i] = (t1 - t0) / 1e3;
      t[1][i] = (t2 - t1) / 1e3;
    }
    Arrays.sort(t[0]);
    Arrays.sort(t[1]);
    return new double[] {t[0][n / 2], t[1][n / 2]};
  }
}
