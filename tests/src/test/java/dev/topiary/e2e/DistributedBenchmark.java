package dev.topiary.e2e;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.distributed.DistributedExecutor;
import dev.topiary.dsl.distributed.WorkerProcesses;
import dev.topiary.dsl.runtime.RuntimeModel;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.samples.data.Idx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steps per second of the pruned MNIST CNN (the test's model) at one global batch: in one process,
 * and on 1, 2 and 3 worker JVMs of this machine (all-reduce over loopback gRPC), the chief sending the
 * batches or the workers reading their own shard ({@link EmbeddedMnistInput}). Interleaved rounds,
 * median of each. Run: {@code mvn -B -o -Pbench verify -pl tests -am -Dtest=DistributedBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class DistributedBenchmark {
  static final int BATCH = Integer.getInteger("bench.batch", 128);
  static final int STEPS = 40;
  static final int WARMUP = 5;

  /** Seconds per step over the steps after the warm-up ones. */
  static final class StepTimer implements Callback {
    long start;
    int seen;
    double secondsPerStep;
    long bytes = -1;

    @Override
    public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
      seen++;
      if (seen == WARMUP) {
        start = System.nanoTime();
        if (((RuntimeModel) context.model()).executor() instanceof DistributedExecutor d) {
          bytes = d.bytesAllReducedPerStep();
        }
      } else if (seen == STEPS) {
        secondsPerStep = (System.nanoTime() - start) / 1e9 / (STEPS - WARMUP);
      }
    }
  }

  static StepTimer run(HostArray x, HostArray y, int batch, Distribution distribution) {
    StepTimer timer = new StepTimer();
    try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
      int epochs = (int) Math.ceil((double) STEPS * batch / x.examples()); // the embedded subset has 8,000 examples
      model.fit(x, y, Fit.ofEpochs(epochs).batchSize(batch).progress(ProgressSink.silent()).distribution(distribution)
          .callbacks(timer));
    }
    return timer;
  }

  /**
   * A fit whose workers read the embedded subset themselves ({@link EmbeddedMnistInput}), at the
   * largest global batch up to {@code batch} that the workers divide.
   */
  static StepTimer runOnWorkers(int examples, int batch, List<String> workers) {
    int n = workers.size();
    int global = batch - batch % n;
    int steps = (examples / n) / (global / n); // full batches per shard and epoch
    StepTimer timer = new StepTimer();
    try (Model model = DistributedTrainingTest.spec().compile(DistributedTrainingTest.compile())) {
      int epochs = (int) Math.ceil((double) STEPS / steps);
      model.fit(Fit.ofEpochs(epochs).batchSize(global).progress(ProgressSink.silent())
          .distribution(Distribution.multiWorker(workers).workerInput(steps)).callbacks(timer));
    }
    return timer;
  }

  @Test
  void stepsPerSecond(@TempDir Path logs) throws Exception {
    Idx.Split train = Idx.embedded("train");
    int examples = Math.min(train.size(), BATCH * STEPS);
    HostArray x = train.images().slice(0, examples);
    HostArray y = train.labels().slice(0, examples);
    int rounds = Integer.getInteger("bench.rounds", 3);
    List<List<Double>> times = new ArrayList<>();
    List<List<Double>> onWorkers = new ArrayList<>();
    // shares.get(n): one process at batch BATCH / n, the compute of one worker's share
    List<List<Double>> shares = new ArrayList<>();
    long[] bytes = new long[4];
    for (int n = 0; n <= 3; n++) {
      times.add(new ArrayList<>());
      onWorkers.add(new ArrayList<>());
      shares.add(new ArrayList<>());
    }
    for (int round = 0; round < rounds; round++) {
      for (int n = 1; n <= 3; n++) {
        shares.get(n).add(run(x, y, BATCH / n, Distribution.local()).secondsPerStep);
        try (WorkerProcesses w = WorkerProcesses.start(n, logs.resolve("r" + round + "n" + n),
            List.of("--input", EmbeddedMnistInput.class.getName()), Map.of())) {
          // Chief-fed and worker input on the same workers, alternating which goes first.
          boolean chiefFirst = round % 2 == 0;
          if (!chiefFirst) {
            onWorkers.get(n).add(runOnWorkers(train.size(), BATCH, w.addresses()).secondsPerStep);
          }
          StepTimer t = run(x, y, BATCH, Distribution.multiWorker(w.addresses()));
          times.get(n).add(t.secondsPerStep);
          bytes[n] = t.bytes;
          if (chiefFirst) {
            onWorkers.get(n).add(runOnWorkers(train.size(), BATCH, w.addresses()).secondsPerStep);
          }
        }
      }
    }
    double local = median(shares.get(1));
    System.out.printf("global batch %d, %d rounds, median of %d timed steps each%n", BATCH, rounds, STEPS - WARMUP);
    System.out.printf("| setup | ms/step chief-fed | ms/step worker input | steps/s chief-fed / worker input"
        + " | vs one process | one process at batch %d/n, ms | overhead per step chief-fed / worker input, ms"
        + " | bytes all-reduced per worker and step |%n", BATCH);
    System.out.printf("| one process | %.1f | - | %.1f | 1.00 | %.1f | - | - |%n", local * 1e3, 1 / local, local * 1e3);
    for (int n = 1; n <= 3; n++) {
      double t = median(times.get(n));
      double w = median(onWorkers.get(n));
      double share = median(shares.get(n));
      System.out.printf("| %d worker%s | %.1f | %.1f%s | %.1f / %.1f | %.2f / %.2f | %.1f | %.1f / %.1f | %,d |%n", n,
          n == 1 ? "" : "s", t * 1e3, w * 1e3, BATCH % n == 0 ? "" : " (batch " + (BATCH - BATCH % n) + ")", 1 / t, 1 / w,
          t / local, w / local, share * 1e3, (t - share) * 1e3, (w - share) * 1e3, bytes[n]);
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
