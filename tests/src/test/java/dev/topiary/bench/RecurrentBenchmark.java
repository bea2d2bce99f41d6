package dev.topiary.bench;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How the unrolled LSTM grows with sequence length: build time, first step, steady step. */
@Tag("benchmark")
class RecurrentBenchmark {

  @Test
  void lstmBuildAndStepTimeBySequenceLength() {
    System.out.println();
    System.out.println("| steps | build (compile) | first training step | steady step (batch 64) |");
    System.out.println("|---|---|---|---|");
    for (int steps : new int[] {50, 200, 500}) {
      ModelSpec spec = Sequential.of(Input.of(steps), Embedding.of(5002, 32), LSTM.of(32),
          Dense.of(1, Activation.SIGMOID)).prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 100)));
      Random r = new Random(steps);
      int n = 64 * 21;
      float[] ids = new float[n * steps];
      float[] y = new float[n];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = r.nextInt(5002);
      }
      for (int i = 0; i < n; i++) {
        y[i] = r.nextInt(2);
      }
      HostArray x = HostArray.of(ids, n, steps);
      HostArray labels = HostArray.of(y, n);
      long t0 = System.nanoTime();
      try (Model m = spec.compile(Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)))) {
        long built = System.nanoTime();
        m.fit(x.slice(0, 64), labels.slice(0, 64), Fit.epochs(1).batchSize(64).progress(ProgressSink.silent()));
        long first = System.nanoTime();
        m.fit(x.slice(64, n), labels.slice(64, n), Fit.epochs(1).batchSize(64).progress(ProgressSink.silent()));
        long done = System.nanoTime();
        System.out.printf("| %d | %.2f s | %.2f s | %.1f ms |%n", steps, (built - t0) / 1e9, (first - built) / 1e9,
            (done - first) / 1e6 / 20);
      }
    }
  }
}
