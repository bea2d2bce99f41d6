package dev.topiary.dsl.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistributedSmokeTest {
  @Test
  void twoWorkers(@TempDir Path dir) throws Exception {
    try (WorkerProcesses w = WorkerProcesses.start(2, dir)) {
      var spec = Sequential.of(Input.of(4), Dense.of(3).prunable(ConstantSparsity.of(0.5, 0, -1, 1)));
      float[] xs = new float[64 * 4];
      int[] ys = new int[64];
      java.util.Random r = new java.util.Random(1);
      for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
      for (int i = 0; i < ys.length; i++) ys[i] = r.nextInt(3);
      HostArray x = HostArray.of(xs, 64, 4);
      HostArray y = HostArray.ofLabels(ys, 64);
      Compile c = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(3);
      try (Model local = spec.compile(c); Model dist = spec.compile(c)) {
        local.fit(List.of(x), List.of(y), Fit.epochs(2).batchSize(16).shuffle(false));
        long t0 = System.nanoTime();
        dist.fit(List.of(x), List.of(y), Fit.epochs(2).batchSize(16).shuffle(false)
            .distribution(Distribution.multiWorker(w.addresses())));
        System.out.println("distributed fit " + (System.nanoTime() - t0) / 1e6 + " ms");
        float[] a = local.weights().get("dense_kernel").floats();
        float[] b = dist.weights().get("dense_kernel").floats();
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        System.out.println("max |local - distributed| = " + max);
        assertThat(max).isLessThan(1e-5);
        assertThat(dist.step()).isEqualTo(local.step());
      }
    }
  }
}
