package dev.topiary.docs;

import dev.topiary.bridge.EagerModel;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.training.Compile;
import dev.topiary.ops.mask.HostMask;
import dev.topiary.sparse.Format;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Snippets of docs/guides/sparse-inference.md and docs/guides/eager-graph.md. */
final class SparseEagerSnippets {
  private SparseEagerSnippets() {}

  static void sparse(Model pruned, HostArray x, Path file) throws IOException {
    // [snippet:SparseModel]
    try (Model stripped = pruned.strip();
         SparseModel fast = SparseModel.of(stripped, SparseOptions.defaults()
             .threads(2)                              // products split by output rows; batch 1 too
             .format("dense_1", Format.BLOCK_1X4)     // fix a layer's (or one variable's) format
             .calibrate(true))) {                     // time the candidates on this machine (default)
      HostArray y = fast.predict(x);                  // as Model.predict; predict(List, batchSize) too
      fast.plan().forEach(System.out::println);       // format per kernel, why, bytes, times vs dense
      long bytes = fast.weightBytes();                // the whole weight footprint (heap; no native memory)
      SparseWeights.write(file, fast.weights(), SparseWeights.Encoding.FLOAT32);   // TPSW, as stored
      SparseModel again = SparseModel.of(stripped.spec(), SparseWeights.read(file), SparseOptions.defaults());
    }
    // [end:SparseModel]
  }

  static void eager(Model trained, ModelSpec spec, Compile compile, HostArray x) {
    // [snippet:EagerModel]
    try (EagerModel eager = EagerModel.from(trained)) {         // the same state, bit for bit
      HostArray y = eager.predict(x);                           // op by op, no graph
      Map<String, HostArray> masks = eager.masks();             // each pruned weight's mask
      Map<String, HostMask> now = eager.recomputeMasks();       // at the current step's sparsity
      try (Model graph = eager.toGraph()) {                     // and back, bit for bit
        System.out.println(graph.executionMode());              // GRAPH (eager.executionMode(): EAGER)
      }
    }
    try (EagerModel fresh = EagerModel.build(spec, compile)) {  // an eager model from the start
      System.out.println(fresh.summary());
    }
    // [end:EagerModel]
  }
}
