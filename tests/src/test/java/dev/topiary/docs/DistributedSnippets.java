package dev.topiary.docs;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.distributed.Worker;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import java.nio.file.Path;
import java.util.List;

/** Snippets of docs/guides/distributed.md (MyShard is its own file). */
final class DistributedSnippets {
  private DistributedSnippets() {}

  static void chiefFed(Model model, Dataset train) {
    // [snippet:DistributedFit]
    Fit fit = Fit.ofEpochs(2).batchSize(384).checkpoints(Path.of("chief.tpck"), 50)
        .distribution(Distribution.multiWorker("10.0.0.1:2222", "10.0.0.2:2222", "10.0.0.3:2222"));
    model.fit(train, fit);                       // after it returns, the model holds the trained state
    // [end:DistributedFit]
  }

  static void workerInput(Model model) {
    // [snippet:WorkerInputFit]
    Fit fit = Fit.ofEpochs(2).batchSize(384).checkpoints(Path.of("chief.tpck"), 50)       // 384 / 3 = 128 per worker
        .distribution(Distribution.multiWorker("10.0.0.1:2222", "10.0.0.2:2222", "10.0.0.3:2222").workerInput(100));
    model.fit(fit);
    // [end:WorkerInputFit]
  }

  static void serve(List<String> cluster, int index, Dataset dataset) {
    // [snippet:WorkerServe]
    Worker.serve(cluster, index, context -> dataset.shard(context.workers(), context.index()));   // blocks
    // [end:WorkerServe]
  }
}
