package dev.topiary.benchmarks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.samples.reference.KeywordSpotting;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFlavour;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Batch-1 and batch-32 inference of whole networks: {@code SparseModel} against TF Java's dense
 * {@code Model.predict} on the same pruned weights (TF multiplies the zeros), timed interleaved (each
 * round runs TF, then SparseModel, best of 3 calls each; the median over rounds). Pruned as the reference
 * prunes: every layer's prunable weights (Conv2D and Dense kernels, SeparableConv2D's pointwise kernel;
 * depthwise kernels, batch normalization and biases stay dense) by per-tensor magnitude at 50, 75 and
 * 87.5 %, and 2:4. Models: the DS-CNN keyword spotter of the reference samples ({@code dscnn}: 64
 * filters, 4 blocks, built in the DSL) and Keras files given as {@code name=path.keras} (e.g.
 * {@code keras.applications.MobileNetV2(weights=None)} saved by a script).
 *
 * <pre>
 * mvn -B -ntp -o -q -pl tests/benchmarks -am package -DskipTests
 * (cd tests/benchmarks &amp;&amp; java --add-modules jdk.incubator.vector \
 *     -cp "$(cat target/benchmarks.classpath):target/classes" dev.topiary.benchmarks.ApplicationsInference \
 *     dscnn mobilenetv2=/tmp/mobilenetv2.keras [--batches 1,32] [--sparsities 0.5,2:4,0.75,0.875] [--rounds 7]
 *     [--threads 1] [--tflite DIR] [--channels-last])
 * </pre>
 *
 * <p>{@code --tflite DIR} also writes each pruned model as {@code .tflite} (float32 and sparse flavours)
 * with {@code DIR/models.json} (the Java side's medians), for {@code tools/tflite_applications_latency.py}.
 * {@code --channels-last} also times, in the same rounds, a SparseModel with channel-major planes off
 * ({@code SparseOptions.channelMajor(false)}), printed on the console. Prints one markdown table.
 */
public final class ApplicationsInference {
  private static final Compile COMPILE = Compile.of(Optimizer.sgd(0.01f), Loss.meanSquaredError()).seed(1);

  private ApplicationsInference() {}

  public static void main(String[] args) throws IOException {
    List<String> a = new ArrayList<>(Arrays.asList(args));
    int[] batches = Arrays.stream(option(a, "--batches", "1,32").split(",")).mapToInt(Integer::parseInt).toArray();
    String[] sparsities = option(a, "--sparsities", "0.5,2:4,0.75,0.875").split(",");
    int rounds = Integer.parseInt(option(a, "--rounds", "7"));
    int threads = Integer.parseInt(option(a, "--threads", "1"));
    String tflite = option(a, "--tflite", "");
    // also time the same SparseModel with every layer channels-last (no channel-major planes), interleaved
    boolean channelsLast = a.remove("--channels-last");
    Path tfliteDir = tflite.isEmpty() ? null : Files.createDirectories(Path.of(tflite));
    StringBuilder json = new StringBuilder("[\n");
    StringBuilder table = new StringBuilder("| model | pruned | batch | TF Java ms | SparseModel ms | SparseModel / TF |"
        + " max abs diff |\n|---|---|---|---|---|---|---|\n");
    System.out.println("kernels: " + dev.topiary.sparse.kernel.KernelPath.AUTO.kernels().name() + ", SparseModel "
        + threads + " thread(s), TF default threads, " + rounds + " rounds, "
        + Runtime.getRuntime().availableProcessors() + " CPUs");
    for (String m : a) {
      String name = m.contains("=") ? m.substring(0, m.indexOf('=')) : m;
      ModelSpec spec;
      Map<String, HostArray> dense;
      if (name.equals("dscnn")) {
        spec = KeywordSpotting.model(64, 4);
        try (Model init = spec.compile(COMPILE)) {
          dense = withStatistics(init.weights());
        }
      } else {
        KerasModel file = KerasModels.read(Path.of(m.substring(m.indexOf('=') + 1)));
        spec = file.spec();
        dense = file.weights();
      }
      long[] inShape = spec.inputs().get(0).shape().asArray();
      try (Model tf = spec.compile(COMPILE)) {
        for (String s : sparsities) {
          Map<String, HostArray> pruned = prune(spec, dense, s);
          tf.setWeights(pruned);
          long t0 = System.nanoTime();
          try (SparseModel sparse = SparseModel.of(tf, SparseOptions.defaults().threads(threads))) {
            double build = (System.nanoTime() - t0) / 1e9;
            String label = s.contains(":") ? s : String.format(Locale.ROOT, "%.1f %%", Double.parseDouble(s) * 100);
            String slug = name + "_" + s.replace(":", "of").replace(".", "");
            if (tfliteDir != null) {
              TfliteExport.write(tf, tfliteDir.resolve(slug + "_float32.tflite"), TfliteFlavour.FLOAT32);
              TfliteExport.write(tf, tfliteDir.resolve(slug + "_sparse.tflite"), TfliteFlavour.SPARSE);
            }
            for (int batch : batches) {
              HostArray x = input(inShape, batch, 7);
              float diff = maxDiff(sparse.predict(List.of(x), batch).get(0), tf.predict(List.of(x), batch).get(0));
              double[][] t;
              if (channelsLast) {
                try (SparseModel nhwc = SparseModel.of(tf, SparseOptions.defaults().threads(threads).channelMajor(false))) {
                  t = interleaved(rounds, () -> tf.predict(List.of(x), batch), () -> sparse.predict(List.of(x), batch),
                      () -> nhwc.predict(List.of(x), batch));
                }
                System.out.printf(Locale.ROOT, "%s %s batch %d: channels-last SparseModel %.2f ms (%.2f..%.2f)%n", name,
                    label, batch, t[2][rounds / 2], t[2][0], t[2][rounds - 1]);
              } else {
                t = interleaved(rounds, () -> tf.predict(List.of(x), batch), () -> sparse.predict(List.of(x), batch));
              }
              table.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.2f | %.2f | %.1e |%n", name, label, batch,
                  t[0][rounds / 2], t[1][rounds / 2], t[1][rounds / 2] / t[0][rounds / 2], diff));
              System.out.printf(Locale.ROOT, "%s %s batch %d: TF %.2f ms (%.2f..%.2f), sparse %.2f ms (%.2f..%.2f),"
                  + " diff %.1e, SparseModel built in %.1f s%n", name, label, batch, t[0][rounds / 2], t[0][0],
                  t[0][rounds - 1], t[1][rounds / 2], t[1][0], t[1][rounds - 1], diff, build);
              json.append(String.format(Locale.ROOT, "  {\"model\": \"%s\", \"pruned\": \"%s\", \"slug\": \"%s\","
                  + " \"batch\": %d, \"inputShape\": %s, \"tfJavaMs\": %.4f, \"sparseMs\": %.4f},%n", name, label, slug,
                  batch, Arrays.toString(Arrays.copyOfRange(inShape, 1, inShape.length)), t[0][rounds / 2],
                  t[1][rounds / 2]));
            }
          }
        }
      }
    }
    System.out.println();
    System.out.print(table);
    if (tfliteDir != null) {
      String body = json.length() > 2 ? json.substring(0, json.length() - 2) + "\n]\n" : "[]\n";
      Files.writeString(tfliteDir.resolve("models.json"), body);
    }
  }

  /**
   * The reference's pruning of every layer's prunable weights: per-tensor magnitude at {@code s}, or
   * 2:4 along the input channels for {@code "2:4"}.
   */
  public static Map<String, HostArray> prune(ModelSpec spec, Map<String, HostArray> weights, String s) {
    MaskStrategy strategy = s.equals("2:4") ? MaskStrategy.mByN(2, 4) : MaskStrategy.magnitude();
    float sparsity = s.equals("2:4") ? 0.5f : Float.parseFloat(s);
    Map<String, HostArray> out = new LinkedHashMap<>(weights);
    for (Layer layer : spec.layers()) {
      for (WeightSpec w : spec.weights(layer)) {
        if (layer.prunableWeights().contains(w.name())) {
          String variable = spec.variableName(layer, w.name());
          HostArray v = weights.get(variable);
          out.put(variable, HostArray.of(strategy.host(v.floats(), v.shape(), sparsity).apply(v.floats()), v.shape()));
        }
      }
    }
    return out;
  }

  /** Batch normalization statistics away from their initial 0 / 1, as a trained model has them. */
  private static Map<String, HostArray> withStatistics(Map<String, HostArray> weights) {
    SplittableRandom r = new SplittableRandom(3);
    Map<String, HostArray> out = new LinkedHashMap<>(weights);
    out.replaceAll((k, v) -> {
      if (!k.endsWith("moving_mean") && !k.endsWith("moving_variance")) {
        return v;
      }
      float[] f = v.floats();
      for (int i = 0; i < f.length; i++) {
        f[i] = k.endsWith("moving_mean") ? (float) r.nextDouble(-0.5, 0.5) : (float) r.nextDouble(0.5, 2);
      }
      return HostArray.of(f, v.shape());
    });
    return out;
  }

  static HostArray input(long[] shape, int batch, long seed) {
    long[] full = shape.clone();
    full[0] = batch;
    int n = 1;
    for (long d : full) {
      n *= (int) d;
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return HostArray.of(v, full);
  }

  /**
   * Milliseconds per call of each of {@code calls}, sorted per call: each round runs every call (best of 3)
   * one after the other, so that a change in the machine's load reaches all of them alike. Warm-up: 2 s
   * (and at least 20 calls) of each, so that the JIT has compiled SparseModel's kernels.
   */
  static double[][] interleaved(int rounds, Runnable... calls) {
    for (Runnable c : calls) {
      long end = System.nanoTime() + 2_000_000_000L;
      for (int i = 0; i < 20 || System.nanoTime() < end; i++) {
        c.run();
      }
    }
    double[][] t = new double[calls.length][rounds];
    for (int round = 0; round < rounds; round++) {
      for (int c = 0; c < calls.length; c++) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
          long t0 = System.nanoTime();
          calls[c].run();
          best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        t[c][round] = best;
      }
    }
    for (double[] row : t) {
      Arrays.sort(row);
    }
    return t;
  }

  private static float maxDiff(HostArray a, HostArray b) {
    float d = 0;
    for (int i = 0; i < a.floats().length; i++) {
      d = Math.max(d, Math.abs(a.floats()[i] - b.floats()[i]));
    }
    return d;
  }

  static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    if (i < 0) {
      return fallback;
    }
    String v = args.get(i + 1);
    args.remove(i + 1);
    args.remove(i);
    return v;
  }
}
