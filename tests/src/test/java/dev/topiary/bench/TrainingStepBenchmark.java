package dev.topiary.bench;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Training-step time with pruning against without, and native memory over a long run. Run with
 * {@code mvn -Pbench verify -pl tests -am}.
 */
@Tag("benchmark")
class TrainingStepBenchmark {
  private static final PruningSpec PRUNING = PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 100));
  private static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(1);

  private static ModelSpec mlp() {
    return Sequential.of(Input.of(28, 28), dev.topiary.dsl.layers.reshaping.Flatten.of(),
        Dense.of(512, Activation.RELU), Dense.of(512, Activation.RELU), Dense.of(10));
  }

  @Test
  void prunedVersusDenseStepTime() {
    System.out.println();
    System.out.println("| model | batch | dense ms/step | pruned ms/step (frequency 100) | pruned / dense |");
    System.out.println("|---|---|---|---|---|");
    for (String name : new String[] {"MNIST CNN", "MLP 784-512-512-10"}) {
      ModelSpec spec = name.startsWith("MNIST") ? MnistPruning.model() : mlp();
      for (int batch : new int[] {32, 128}) {
        double[] dense = new double[5];
        double[] pruned = new double[5];
        try (Model d = spec.compile(COMPILE); Model p = spec.prunedWith(PRUNING).compile(COMPILE)) {
          int steps = batch == 32 ? 400 : 200;
          HostArray[] data = BenchSupport.mnistShaped(batch * steps);
          msPerStep(d, data, batch); // warm-up
          msPerStep(p, data, batch);
          for (int r = 0; r < dense.length; r++) {
            dense[r] = msPerStep(d, data, batch);
            pruned[r] = msPerStep(p, data, batch);
          }
        }
        double dm = median(dense);
        double pm = median(pruned);
        System.out.printf("| %s | %d | %.3f | %.3f | %.3f |%n", name, batch, dm, pm, pm / dm);
      }
    }
  }

  @Test
  void nativeMemoryStaysFlatOverFiveThousandSteps() {
    try (Model p = MnistPruning.model().prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 10))).compile(COMPILE)) {
      HostArray[] data = BenchSupport.mnistShaped(32 * 500);
      Fit epoch = Fit.epochs(1).batchSize(32).progress(ProgressSink.silent());
      p.fit(data[0], data[1], epoch); // 500 warm-up steps
      long before = BenchSupport.rssKb();
      for (int i = 0; i < 10; i++) {
        p.fit(data[0], data[1], epoch);
        p.evaluate(data[0], data[1]);
      }
      long after = BenchSupport.rssKb();
      System.out.printf("%nRSS over 5,000 pruned MNIST CNN training steps (batch 32, mask update every 10): "
          + "%,d kB -> %,d kB, growth %.1f MB (steps run: %d)%n", before, after, (after - before) / 1024.0, p.step());
    }
  }

  private static double msPerStep(Model m, HostArray[] data, int batch) {
    long t0 = System.nanoTime();
    m.fit(data[0], data[1], Fit.epochs(1).batchSize(batch).shuffle(false).progress(ProgressSink.silent()));
    return (System.nanoTime() - t0) / 1e6 / (data[0].examples() / batch);
  }



  private static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
