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
import java.util.Random;

/**
 * Build, first step and steady training step of a Keras Applications model read from its {@code .keras}
 * file (written by {@code tests/benchmarks/tools/keras_applications_step.py write}), dense or pruned; the
 * Keras side is the same script's {@code step}. Adam (0.001), sparse categorical cross-entropy on the
 * model's softmax output, no metric, random data, one {@code fit} epoch of {@code warmup + steps} batches;
 * a step's time is the time between consecutive batch ends. Pruned: every layer the reference prunes
 * (convolution and Dense kernels), {@code ConstantSparsity(0.5, 0, -1, 100)}: the masks reach 50 % at
 * step 0 and update every 100 steps, so the timed steps carry the per-step masking, not an update
 * ({@code --frequency 1} updates them every step: the steady step then times a mask update). One
 * JSON line per run:
 *
 * <pre>
 * mvn -B -ntp -q -pl tests/benchmarks -am package -DskipTests dependency:build-classpath \
 *     -Dmdep.outputFile=target/apps.classpath -Dmdep.includeScope=runtime
 * java -Xmx12g -cp "$(cat tests/benchmarks/target/apps.classpath):tests/benchmarks/target/classes" \
 *     dev.topiary.benchmarks.ApplicationsTrainingStep --model /tmp/apps/resnet50.keras --batch 32 --warmup 2 \
 *     --steps 5 --variant pruned
 * </pre>
 *
 * <p>{@code build_s} is {@code KerasModels.read} (with TF's native library loading beside it,
 * {@code TensorFlowRuntime.preload}) plus compile (graph, gradients, optimizer) plus loading the
 * weights; {@code first_step_s} the first batch of the first {@code fit} (the session's first run:
 * TF's graph optimization and kernel set-up). {@code build_cpu_s} and {@code first_step_cpu_s} are the same
 * spans in CPU time of the process (all threads): on a machine loaded by other jobs, the work done,
 * which the wall times lose in the wait for a core.
 */
public final class ApplicationsTrainingStep {
  private ApplicationsTrainingStep() {}

  public static void main(String[] args) throws IOException {
    List<String> a = List.of(args);
    Path file = Path.of(option(a, "--model", null));
    int batch = Integer.parseInt(option(a, "--batch", "32"));
    int warmup = Integer.parseInt(option(a, "--warmup", "2"));
    int steps = Integer.parseInt(option(a, "--steps", "5"));
    String variant = option(a, "--variant", "dense");
    int frequency = Integer.parseInt(option(a, "--frequency", "100"));
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    long t0 = System.nanoTime();
    long cpu0 = os.getProcessCpuTime();
    // As the Keras guide advises a program that reads a file and compiles it after a change of its own:
    // TF's native library loads while the file is read.
    TensorFlowRuntime.preload();
    KerasModel keras = KerasModels.read(file);
    double readS = (System.nanoTime() - t0) / 1e9;
    ModelSpec spec = variant(keras, variant, frequency);
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(false)).seed(1);
    try (Model model = keras.compile(spec, compile)) {
      double buildS = (System.nanoTime() - t0) / 1e9;
      double buildCpuS = (os.getProcessCpuTime() - cpu0) / 1e9;
      long[] in = spec.inputs().get(0).shape().asArray();
      long[] out = spec.outputs().get(0).shape().asArray();
      int n = batch * (warmup + steps);
      HostArray[] data = data(in, (int) out[out.length - 1], n);
      List<Long> ends = new ArrayList<>();
      List<Long> cpu = new ArrayList<>();
      Callback timer = new Callback() {
        @Override
        public void onTrainBegin(TrainingContext context) {
          ends.add(System.nanoTime());
          cpu.add(os.getProcessCpuTime());
        }

        @Override
        public void onBatchEnd(int epoch, int b, java.util.Map<String, Double> logs, TrainingContext context) {
          ends.add(System.nanoTime());
          cpu.add(os.getProcessCpuTime());
        }
      };
      model.fit(data[0], data[1], Fit.ofEpochs(1).batchSize(batch).shuffle(false).progress(ProgressSink.silent())
          .callbacks(timer));
      double[] timed = new double[steps];
      for (int i = 0; i < steps; i++) {
        timed[i] = (ends.get(warmup + i + 1) - ends.get(warmup + i)) / 1e6;
      }
      double cpuMs = (cpu.get(warmup + steps) - cpu.get(warmup)) / 1e6 / steps;
      double first = (ends.get(1) - ends.get(0)) / 1e9;
      double firstCpu = (cpu.get(1) - cpu.get(0)) / 1e9;
      double[] sorted = timed.clone();
      Arrays.sort(sorted);
      StringBuilder list = new StringBuilder();
      for (double t : timed) {
        list.append(list.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", t));
      }
      System.out.printf(Locale.ROOT, "{\"framework\": \"topiary\", \"variant\": \"%s\", \"model\": \"%s\", \"batch\": %d, "
              + "\"read_s\": %.3f, \"build_s\": %.3f, \"first_step_s\": %.3f, \"build_cpu_s\": %.3f, \"first_step_cpu_s\": %.3f, "
              + "\"step_ms\": %.1f, \"steps_ms\": [%s], \"cpu_ms\": %.1f, \"load\": %.2f, \"onednn\": \"%s\"}%n",
          variant, file.getFileName(), batch, readS, buildS, first, buildCpuS, firstCpu, sorted[steps / 2], list, cpuMs,
          os.getSystemLoadAverage(), TensorFlowRuntime.onednn().replace('"', '\''));
    }
  }

  /**
   * The file's model as {@code --variant} names it: {@code dense}, or {@code pruned} (every prunable weight at
   * 50 % from step 0, masks updated every {@code frequency} steps).
   */
  static ModelSpec variant(KerasModel keras, String variant, int frequency) {
    return switch (variant) {
      case "dense" -> keras.spec();
      case "pruned" -> keras.spec().prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, frequency)), PruningPolicy.all());
      default -> throw new IllegalArgumentException("--variant: dense or pruned, not '" + variant + "'");
    };
  }

  /** {@code n} random inputs in [0, 1) of shape {@code in} (first dimension the batch), labels below {@code classes}. */
  static HostArray[] data(long[] in, int classes, int n) {
    int size = 1;
    long[] shape = in.clone();
    shape[0] = n;
    for (int i = 1; i < in.length; i++) {
      size *= (int) in[i];
    }
    Random r = new Random(n);
    float[] x = new float[n * size];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
    }
    return new HostArray[] {HostArray.of(x, shape), HostArray.ofLabels(y)};
  }

  static String option(List<String> args, String name, String fallback) {
    int i = args.indexOf(name);
    if (i < 0) {
      if (fallback == null) {
        throw new IllegalArgumentException(name + " is required");
      }
      return fallback;
    }
    if (i + 1 >= args.size()) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args.get(i + 1);
  }
}
