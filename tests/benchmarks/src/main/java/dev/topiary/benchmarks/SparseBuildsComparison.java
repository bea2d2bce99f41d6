package dev.topiary.benchmarks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Two builds of {@code topiary-sparse} (two jars, e.g. before and after a change) timed in one process,
 * call by call, on the same TF model, pruned weights and input. On a shared machine the same build timed in
 * consecutive processes moved by more than most changes (MobileNetV2 at batch 1: 5.7-8.5 ms); here every
 * round times both builds back to back (best of 5 calls each, which goes first alternating), so that a
 * change in the machine's load reaches both, and the ratio per round is the measurement. Each jar is loaded
 * by a class loader of its own, so each build has its own classes and its own JIT-compiled kernels; the
 * class path must not hold {@code topiary-sparse} itself. Not run by CI:
 *
 * <pre>
 * mvn -B -ntp -q -pl tests/benchmarks -am package -DskipTests
 * cp dsl/sparse/target/topiary-sparse-0.1.0-SNAPSHOT.jar /tmp/new-sparse.jar   # and the other build's as /tmp/old-sparse.jar
 * java --add-modules jdk.incubator.vector \
 *     -cp "$(tr ':' '\n' &lt; tests/benchmarks/target/benchmarks.classpath | grep -v topiary-sparse | paste -sd:):tests/benchmarks/target/classes" \
 *     dev.topiary.benchmarks.SparseBuildsComparison --model /tmp/mobilenetv2_100.keras --sparsity 0.875 \
 *     --threads 1 --rounds 80 /tmp/old-sparse.jar /tmp/new-sparse.jar
 * </pre>
 *
 * <p>{@code --sparsity} as {@link ApplicationsInference}'s ({@code 0.875}, {@code 2:4}, ...); the batch is 1
 * ({@code --batch} to change it); {@code --threads 1,2} runs A on one thread and B on two (one number: both).
 * Prints both builds' medians and fastest rounds, the ratio B / A per round (median and quartiles), in how many
 * rounds B was faster, and the largest difference between their outputs.
 */
public final class SparseBuildsComparison {
  private SparseBuildsComparison() {}

  public static void main(String[] args) throws Exception {
    List<String> a = new ArrayList<>(Arrays.asList(args));
    String model = ApplicationsInference.option(a, "--model", null);
    String sparsity = ApplicationsInference.option(a, "--sparsity", "0.875");
    // one count for both builds, or A's and B's: "1,2" compares A on one thread with B on two
    String[] threads = ApplicationsInference.option(a, "--threads", "1").split(",");
    int rounds = Integer.parseInt(ApplicationsInference.option(a, "--rounds", "80"));
    int batch = Integer.parseInt(ApplicationsInference.option(a, "--batch", "1"));
    if (model == null || a.size() != 2) {
      throw new IllegalArgumentException("usage: --model FILE.keras [--sparsity S] [--threads N|A,B] [--rounds N]"
          + " [--batch N] A.jar B.jar (got " + a + ")");
    }
    try {
      Class.forName("dev.topiary.sparse.SparseModel");
      throw new IllegalStateException("topiary-sparse is on the class path: both builds would run its classes;"
          + " leave it out (see this class's javadoc)");
    } catch (ClassNotFoundException expected) {
      // as it should be: each jar brings its own
    }
    KerasModel file = KerasModels.read(Path.of(model));
    ModelSpec spec = file.spec();
    try (Model tf = spec.compile(Compile.of(Optimizer.sgd(0.01f), Loss.meanSquaredError()).seed(1))) {
      tf.setWeights(ApplicationsInference.prune(spec, file.weights(), sparsity));
      HostArray x = ApplicationsInference.input(spec.inputs().get(0).shape().asArray(), batch, 7);
      Build[] builds = {new Build(Path.of(a.get(0)), tf, Integer.parseInt(threads[0])),
          new Build(Path.of(a.get(1)), tf, Integer.parseInt(threads[threads.length - 1]))};
      float[] outA = builds[0].predict(x, batch);
      float[] outB = builds[1].predict(x, batch);
      float diff = 0;
      for (int i = 0; i < outA.length; i++) {
        diff = Math.max(diff, Math.abs(outA[i] - outB[i]));
      }
      // warm-up: both builds' kernels compiled by C2 before any round counts
      long end = System.nanoTime() + 6_000_000_000L;
      while (System.nanoTime() < end) {
        builds[0].predict(x, batch);
        builds[1].predict(x, batch);
      }
      double[][] t = new double[2][rounds];
      double[] ratio = new double[rounds];
      int wins = 0;
      for (int i = 0; i < rounds; i++) {
        for (int k = 0; k < 2; k++) {
          int j = i % 2 == 0 ? k : 1 - k;
          double best = Double.MAX_VALUE;
          for (int c = 0; c < 5; c++) {
            long t0 = System.nanoTime();
            builds[j].predict(x, batch);
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
          }
          t[j][i] = best;
        }
        ratio[i] = t[1][i] / t[0][i];
        wins += t[1][i] < t[0][i] ? 1 : 0;
      }
      Arrays.sort(ratio);
      Arrays.sort(t[0]);
      Arrays.sort(t[1]);
      System.out.printf(Locale.ROOT, "A %s: %.2f ms (fastest %.2f); B %s: %.2f ms (fastest %.2f); B / A per round %.3f"
          + " (quartiles %.3f..%.3f); B faster in %d of %d rounds; outputs differ by %.1e at most%n", a.get(0),
          t[0][rounds / 2], t[0][0], a.get(1), t[1][rounds / 2], t[1][0], ratio[rounds / 2], ratio[rounds / 4],
          ratio[3 * rounds / 4], wins, rounds, diff);
    }
  }

  /** One jar's SparseModel of {@code tf}, reached by reflection (its classes are not this class's). */
  private static final class Build {
    private final Object model;
    private final Method predict;

    Build(Path jar, Model tf, int threads) throws Exception {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("no such jar: " + jar);
      }
      ClassLoader cl = new URLClassLoader(new URL[] {jar.toUri().toURL()}, SparseBuildsComparison.class.getClassLoader());
      Class<?> options = cl.loadClass("dev.topiary.sparse.SparseOptions");
      Object o = options.getMethod("threads", int.class).invoke(options.getMethod("defaults").invoke(null), threads);
      Class<?> sparse = cl.loadClass("dev.topiary.sparse.SparseModel");
      model = sparse.getMethod("of", Model.class, options).invoke(null, tf, o);
      predict = sparse.getMethod("predict", List.class, int.class);
    }

    float[] predict(HostArray x, int batch) {
      try {
        return ((HostArray) ((List<?>) predict.invoke(model, List.of(x), batch)).get(0)).floats();
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException("SparseModel.predict failed", e.getCause());
      }
    }
  }
}
