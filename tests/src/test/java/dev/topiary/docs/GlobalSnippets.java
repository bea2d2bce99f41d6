package dev.topiary.docs;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.pruning.Sensitivity;
import dev.topiary.dsl.pruning.SensitivityReport;
import dev.topiary.dsl.pruning.SensitivityTargets;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distillation;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.GlobalMagnitude;
import dev.topiary.ops.GlobalPruningSpec;
import dev.topiary.ops.PruningHook;
import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.report.PruningReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Snippets of docs/guides/global-and-sensitivity.md. */
final class GlobalSnippets {
  private GlobalSnippets() {}

  static ModelSpec global(ModelSpec spec, Ops tf, Variable<TFloat32> conv, Variable<TFloat32> dense,
      List<float[]> weights, List<long[]> shapes) {
    // [snippet:GlobalPruning]
    GlobalPruningSpec group = GlobalPruningSpec.of(PolynomialDecay.of(0.5, 0.95, 0, 114, 3, 10))
        .keepAtLeast(10)                 // optional floors: each weight keeps >= 10 (all of a smaller one) ...
        .atMostSparsity(0.99);           // ... and >= keepCount(n, 0.99) of its n weights
    ModelSpec pruned = spec.prunedGlobally(group);                  // or (group, PruningPolicy.named(...))
    // own TF Java loop:
    PruningHook hook = PruningHook.builder(tf).pruneGlobally(List.of(conv, dense), group).build();
    // plain Java arrays (eager ops: GlobalMagnitude.ops(tf, ...)):
    List<HostMask> masks = GlobalMagnitude.host(group, weights, shapes, 0.95f);
    // [end:GlobalPruning]
    // [snippet:GlobalNormalized]
    GlobalPruningSpec byMax = GlobalPruningSpec.of(PolynomialDecay.of(0.5, 0.9, 0, 114, 3, 10))
        .normalizedBy(GlobalPruningSpec.Normalization.MAX_ABS);    // ranks |w| / max|w| per weight
    ModelSpec denseLayers = spec.prunedGlobally(byMax, PruningPolicy.named("dense", "dense_1"));
    // [end:GlobalNormalized]
    return pruned;
  }

  static ModelSpec sensitivity(Model trained, Dataset validation, ModelSpec spec, long end) {
    // [snippet:Sensitivity]
    SensitivityReport report = Sensitivity.defaults()       // grid 0.3 .. 0.99, the loss, every prunable layer
        .grid(0.5, 0.8, 0.9, 0.95, 0.98).metric("loss")     // or "accuracy"; .layers(PruningPolicy...), .strategy(...)
        .run(trained, validation);                          // a Model (graph or eager) and a Dataset
    System.out.println(report);                             // the drop per layer and sparsity
    SensitivityTargets targets = report.targets(0.95);      // per-layer targets, kept(), predictedDrop()
    ModelSpec pruned = targets.applyTo(spec,                // each layer .prunable(schedule(target)), in one call
        t -> PolynomialDecay.of(Math.min(0.5, t), t, 0, end, 3, 10));
    // [end:Sensitivity]
    return pruned;
  }

  static void fineTuneRate(ModelSpec spec, GlobalPruningSpec group, Loss loss) {
    // [snippet:FineTuneRate]
    Model fineTune = spec.prunedGlobally(group).compile(Compile.of(Optimizer.adam(0.012f), loss));
    // [end:FineTuneRate]
    fineTune.close();
  }

  static void distillation(Model teacher, ModelSpec prunedSpec, ModelSpec spec, Compile hardLabelCompile,
      HostArray images, HostArray classIds, Dataset test) {
    // [snippet:Distillation]
    HostArray labels = Distillation.labels(classIds, teacher.predict(images));   // one-hot label, then the teacher's logits
    Model student = prunedSpec.compile(Compile.of(Optimizer.adam(), Loss.distillation(2, 0.5)));
    student.fit(Dataset.of(images, labels), Fit.ofEpochs(2));
    // its labels are not class ids: evaluate the weights under the hard-label loss
    try (Model stripped = student.strip(); Model eval = spec.compile(hardLabelCompile)) {
      eval.setWeights(stripped.weights());
      double accuracy = eval.evaluate(test).get("accuracy");
    }
    // [end:Distillation]
    student.close();
  }

  static void report(Model model, Map<String, HostArray> denseWeights, Path dir) throws IOException {
    // [snippet:PruningReport]
    PruningReport.of(model).write(Path.of("report"));                       // a graph or an EagerModel
    PruningReport.of(model, denseWeights, "my model").write(dir);           // with the weights before pruning
    PruningReport.ofSavedModel(Path.of("saved")).write(dir);                // a ModelFiles directory
    // [end:PruningReport]
  }
}
