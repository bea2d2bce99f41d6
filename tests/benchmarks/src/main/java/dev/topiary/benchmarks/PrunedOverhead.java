package dev.topiary.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.TensorFlowRuntime;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What pruning adds to a training step, dense and pruned built from one Keras file in one process and
 * timed in alternation: round after round, a few batches of the dense model, then as many of the pruned
 * one. Separate processes (as {@link ApplicationsTrainingStep} runs them) see different moments of a shared
 * machine, so their ratio moves with the other jobs (0.76-1.11 for the same pair); here both models share
 * TF's thread pool and every round's two halves are seconds apart, so a round's ratio cancels most of the
 * drift, and the median over rounds with its quartiles says how sure the figure is.
 *
 * <p>Per round and side: {@code --batches} batches in one {@code fit}, the first of which is not timed (it
 * carries the call's set-up); a side's time is the mean of the timed batches, as wall time and as the
 * process's CPU time (TF's threads included: the work done, less sensitive to other jobs than wall time).
 * Pruned as {@link ApplicationsTrainingStep} prunes: every layer the reference prunes, {@code
 * ConstantSparsity(0.5, 0, -1, 100)}; the first round's batches are warm-up (masks computed at step 0, then
 * every 100 steps: with {@code rounds * batches < 100} no timed step updates a mask; a run that would
 * is refused, as it would measure the update, not the per-step cost). Not run by CI:
 *
 * <pre>
 * mvn -B -ntp -o -q -pl tests/benchmarks -am package -DskipTests dependency:build-classpath \
 *     -Dmdep.outputFile=target/apps.classpath -Dmdep.includeScope=runtime
 * java -cp "$(cat tests/benchmarks/target/apps.classpath):tests/benchmarks/target/classes" \
 *     dev.topiary.benchmarks.PrunedOverhead --model /tmp/apps/mobilenetv2_1.0.keras --batch 32 --rounds 12 --batches 4
 * </pre>
 */
public final class PrunedOverhead {
  private PrunedOverhead() {}

  public static void main(String[] args) throws IOException {
    List<String> a = List.of(args);
    Path file = Path.of(ApplicationsTrainingStep.option(a, "--model", null));
    int batch = Integer.parseInt(ApplicationsTrainingStep.option(a, "--batch", "32"));
    int rounds = Integer.parseInt(ApplicationsTrainingStep.option(a, "--rounds", "12"));
    int batches = Integer.parseInt(ApplicationsTrainingStep.option(a, "--batches", "4"));
    if (batches < 2 || rounds < 2) {
      throw new IllegalArgumentException("--batches and --rounds must be at least 2 (one of each is warm-up)");
    }
    if ((long) rounds * batches >= 100) {
      throw new IllegalArgumentException("--rounds x --batches must stay below 100, the mask update frequency: "
          + "a timed step would then recompute every mask");
    }
    KerasModel keras = KerasModels.read(file);
    ModelSpec dense = keras.spec();
    ModelSpec pruned = dense.prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 100)), PruningPolicy.all());
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(false)).seed(1);
    long[] in = dense.inputs().get(0).shape().asArray();
    long[] out = dense.outputs().get(0).shape().asArray();
    HostArray[] data = ApplicationsTrainingStep.data(in, (int) out[out.length - 1], batch * batches);
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (Model d = keras.compile(dense, compile); Model p = keras.compile(pruned, compile)) {
      double[] wallRatio = new double[rounds - 1];
      double[] cpuRatio = new double[rounds - 1];
      double[][] ms = new double[4][rounds - 1]; // dense wall, dense cpu, pruned wall, pruned cpu
      for (int r = 0; r < rounds; r++) {
        double[] dt = time(d, data, batch, os);
        double[] pt = time(p, data, batch, os);
        if (r == 0) {
          continue; // warm-up: first runs of both sessions
        }
        ms[0][r - 1] = dt[0];
        ms[1][r - 1] = dt[1];
        ms[2][r - 1] = pt[0];
        ms[3][r - 1] = pt[1];
        wallRatio[r - 1] = pt[0] / dt[0];
        cpuRatio[r - 1] = pt[1] / dt[1];
      }
      System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"batch\": %d, \"rounds\": %d, \"timed_batches\": %d, "
              + "\"dense_wall_ms\": %.1f, \"dense_cpu_ms\": %.1f, \"pruned_wall_ms\": %.1f, \"pruned_cpu_ms\": %.1f, "
              + "\"wall_ratio\": %s, \"cpu_ratio\": %s, \"load\": %.2f, \"onednn\": \"%s\"}%n",
          file.getFileName(), batch, rounds - 1, batches - 1, median(ms[0]), median(ms[1]), median(ms[2]),
          median(ms[3]), quartiles(wallRatio), quartiles(cpuRatio), os.getSystemLoadAverage(),
          TensorFlowRuntime.onednn().replace('"', '\''));
    }
  }

  /** One fit over the data; the mean wall and CPU ms of its batches after the first. */
  private static double[] time(Model model, HostArray[] data, int batch, OperatingSystemMXBean os) {
    List<long[]> ends = new ArrayList<>();
    Callback timer = new Callback() {
      @Override
      public void onBatchEnd(int epoch, int b, Map<String, Double> logs, TrainingContext context) {
        ends.add(new long[] {System.nanoTime(), os.getProcessCpuTime()});
      }
    };
    model.fit(data[0], data[1], Fit.ofEpochs(1).batchSize(batch).shuffle(false).progress(ProgressSink.silent())
        .callbacks(timer));
    int timed = ends.size() - 1;
    long[] first = ends.get(0);
    long[] last = ends.get(timed);
    return new double[] {(last[0] - first[0]) / 1e6 / timed, (last[1] - first[1]) / 1e6 / timed};
  }

  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** {"median": m, "q1": a, "q3": b, "min": x, "max": y} of the per-round ratios. */
  private static String quartiles(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return String.format(Locale.ROOT, "{\"median\": %.3f, \"q1\": %.3f, \"q3\": %.3f, \"min\": %.3f, \"max\": %.3f}",
        median(s), s[n / 4], s[3 * n / 4], s[0], s[n - 1]);
  }
}
