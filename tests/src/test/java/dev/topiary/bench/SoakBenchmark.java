package dev.topiary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.mnist.MnistPruning;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long run: the pruned tutorial CNN for 100,000 training steps (batch 32, mask update every 100
 * steps) with a checkpoint every 100 steps, reporting step time and RSS per 10,000 steps. Both must
 * stay flat (the graph does not grow; every tensor is closed). Run with
 * {@code mvn -B -ntp -Psoak verify -pl tests -am} (about 10 minutes on 2 cores); set
 * {@code -Dsoak.steps=N} for a shorter run.
 */
@Tag("soak")
class SoakBenchmark {

  @Test
  void stepTimeAndMemoryStayFlatWithCheckpoints(@TempDir Path dir) throws IOException {
    int total = Integer.getInteger("soak.steps", 100_000);
    int window = Math.max(1, total / 10);
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(1);
    HostArray[] data = BenchSupport.mnistShaped(32 * 1000);
    List<double[]> rows = new ArrayList<>(); // steps, ms/step, RSS MB
    long[] windowStart = {System.nanoTime()};
    Callback meter = new Callback() {
      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext c) {
        if (c.step() % window == 0) {
          long now = System.nanoTime();
          rows.add(new double[] {c.step(), (now - windowStart[0]) / 1e6 / window, BenchSupport.rssKb() / 1024.0});
          windowStart[0] = now;
        }
      }
    };
    try (Model model = MnistPruning.model().prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 100)))
        .compile(compile)) {
      model.fit(data[0], data[1], Fit.ofEpochs((total + 999) / 1000).batchSize(32).progress(ProgressSink.silent())
          .checkpoints(dir.resolve("soak.tpck"), 100).callbacks(meter));
      assertThat(model.step()).isGreaterThanOrEqualTo(total);
    }
    System.out.println();
    System.out.println("| steps | ms/step (last window, checkpoint every 100 steps) | RSS MB |");
    System.out.println("|---|---|---|");
    rows.forEach(r -> System.out.printf("| %,d | %.3f | %.1f |%n", (long) r[0], r[1], r[2]));
    // The first window includes graph optimization; compare the second with the last.
    double[] first = rows.get(1);
    double[] last = rows.get(rows.size() - 1);
    System.out.printf("step time last/second window: %.3f; RSS growth from the second window: %.1f MB%n",
        last[1] / first[1], last[2] - first[2]);
    assertThat(last[1] / first[1]).as("step time drift").isLessThan(1.5);
    assertThat(last[2] - first[2]).as("RSS growth, MB").isLessThan(100);
  }

  /** Native memory over 5,000 pruned CNN steps (mask update every 10) and evaluations: no tensor leaks. */
  @Test
  void nativeMemoryStaysFlatOverFiveThousandSteps() {
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(1);
    try (Model p = MnistPruning.model().prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 10))).compile(compile)) {
      HostArray[] data = BenchSupport.mnistShaped(32 * 500);
      Fit epoch = Fit.ofEpochs(1).batchSize(32).progress(ProgressSink.silent());
      p.fit(data[0], data[1], epoch); // 500 warm-up steps
      long before = BenchSupport.rssKb();
      for (int i = 0; i < 10; i++) {
        p.fit(data[0], data[1], epoch);
        p.evaluate(data[0], data[1]);
      }
      long after = BenchSupport.rssKb();
      System.out.printf("%nRSS over 5,000 pruned MNIST CNN training steps (batch 32, mask update every 10): "
          + "%,d kB -> %,d kB, growth %.1f MB (steps run: %d)%n", before, after, (after - before) / 1024.0, p.step());
      assertThat((after - before) / 1024.0).as("RSS growth, MB").isLessThan(100);
    }
  }
}
