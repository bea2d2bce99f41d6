package dev.topiary.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import java.lang.management.ManagementFactory;

/**
 * Training step per model as wall time and as this process's CPU time (ms per batch): on a machine other
 * jobs share, wall time follows their load, while CPU time mostly measures the kernels' own work.
 * {@code main(model...)}: cnn (batch 128), lstm / gru (50 steps, batch 64) or a {@link LayerStepBenchmark}
 * layer (batch 128); one warm-up epoch of 50 batches, then 3 timed epochs; prints the median epoch.
 * Run once with TF_ENABLE_ONEDNN_OPTS=0 and once with 1 (tests/benchmarks/tools/onednn_ab.sh).
 */
public final class StepCpuTiming {
  private StepCpuTiming() {}

  public static void main(String[] args) {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (String name : args) {
      boolean recurrent = name.equals("lstm") || name.equals("gru");
      int batch = recurrent ? RecurrentBenchmark.BATCH : LayerStepBenchmark.BATCH;
      int batches = TrainingStepBenchmark.BATCHES;
      ModelSpec spec = switch (name) {
        case "cnn", "lstm", "gru" -> BenchData.model(name, 50, false);
        default -> LayerStepBenchmark.model(name);
      };
      HostArray[] data = BenchData.data(name, 50, batch * batches);
      try (Model m = spec.compile(BenchData.COMPILE)) {
        m.fit(data[0], data[1], BenchData.epoch(batch));
        double[] wall = new double[3];
        double[] cpu = new double[3];
        for (int e = 0; e < 3; e++) {
          long w0 = System.nanoTime();
          long c0 = os.getProcessCpuTime();
          m.fit(data[0], data[1], BenchData.epoch(batch));
          wall[e] = (System.nanoTime() - w0) / 1e6 / batches;
          cpu[e] = (os.getProcessCpuTime() - c0) / 1e6 / batches;
        }
        java.util.Arrays.sort(wall);
        java.util.Arrays.sort(cpu);
        System.out.printf("step %s batch %d: wall %.2f ms, cpu %.2f ms (wall %.2f-%.2f, cpu %.2f-%.2f)%n", name, batch,
            wall[1], cpu[1], wall[0], wall[2], cpu[0], cpu[2]);
      }
    }
  }
}
