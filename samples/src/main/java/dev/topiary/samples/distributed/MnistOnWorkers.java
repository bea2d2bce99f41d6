package dev.topiary.samples.distributed;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.distributed.MultiWorker;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.mnist.MnistPruning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The chief of a multi-worker fit: the MNIST tutorial CNN pruned to 80 % on the workers given by
 * {@code --workers host:port,...} (each started with {@code dev.topiary.dsl.distributed.Worker}),
 * checkpointing to {@code --checkpoint FILE} every 20 steps and resuming from it when it exists. With
 * {@code --worker-input} the workers read their own shard ({@link MnistShard}, each worker started
 * with {@code --input dev.topiary.samples.distributed.MnistShard}) and the chief sends no data.
 */
public final class MnistOnWorkers {
  private MnistOnWorkers() {}

  public static void main(String[] args) throws Exception {
    String usage = "usage: MnistOnWorkers --workers host:port,host:port [--checkpoint FILE] [--worker-input]";
    String workers = null;
    Path checkpoint = Path.of("mnist-workers.tpck");
    boolean workerInput = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--workers" -> workers = i + 1 < args.length ? args[++i] : null;
        case "--checkpoint" -> checkpoint = Path.of(i + 1 < args.length ? args[++i] : "");
        case "--worker-input" -> workerInput = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; " + usage);
      }
    }
    if (workers == null) {
      throw new IllegalArgumentException(usage);
    }
    List<String> cluster = List.of(workers.split(","));
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    ModelSpec spec = MnistPruning.model().prunedWith(PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 120, 3, 10)));
    // With --worker-input each worker reads its own shard (started with --input MnistShard): the
    // global batch is then a multiple of the workers, and every shard gives the same steps per epoch.
    int batch = workerInput ? 128 - 128 % cluster.size() : 128;
    MultiWorker distribution = Distribution.multiWorker(cluster);
    if (workerInput) {
      distribution = distribution.workerInput(MnistShard.stepsPerEpoch(train.size(), cluster.size(), batch));
    }
    Fit fit = Fit.ofEpochs(2).batchSize(batch).checkpoints(checkpoint, 20).distribution(distribution);
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
        .metrics(Metric.ACCURACY).seed(42))) {
      if (Files.exists(checkpoint)) {
        Checkpoint c = Checkpoint.read(checkpoint);
        model.restore(c.snapshot());
        fit = fit.resumeFrom(c);
        System.out.println("resuming from " + checkpoint + " at step " + c.step());
      }
      long start = System.nanoTime();
      if (workerInput) {
        model.fit(fit); // the workers read the data
      } else {
        model.fit(train.images(), train.labels(), fit);
      }
      HostArray x = test.images();
      System.out.printf("trained on %s in %.1f s: test accuracy %.3f, sparsity %s%n", workers,
          (System.nanoTime() - start) / 1e9, model.evaluate(List.of(x), List.of(test.labels()), 256).get("accuracy"),
          model.sparsity());
    }
  }
}
