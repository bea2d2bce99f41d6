package dev.topiary.samples.eager;

import dev.topiary.bridge.EagerModel;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PrunedWeight;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.mnist.MnistPruning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An eager session over a trained model: the MNIST CNN is pruned to 0.8 in a graph, its state
 * (weights, masks, thresholds, step) is loaded into an {@link EagerModel}, and the masks are inspected
 * op by op: sparsity, threshold, kept weights per output unit, agreement of eager and graph outputs,
 * and what the next mask update would choose. Options: {@code --json FILE}, {@code --quiet}.
 */
public final class EagerInspection {
  private EagerInspection() {}

  /** One pruned weight as the eager session sees it. */
  public record WeightReport(String weight, String shape, double sparsity, float threshold, long maskUpdates,
      int minKeptPerUnit, int maxKeptPerUnit, boolean nextUpdateKeepsMask) {}

  public static void main(String[] args) throws Exception {
    boolean quiet = Arrays.asList(args).contains("--quiet");
    int json = Arrays.asList(args).indexOf("--json");
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    ModelSpec spec = MnistPruning.model()
        .prunedWith(PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 110, 3, 10)));
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(42);

    Snapshot trained;
    HostArray graphOutputs;
    double graphAccuracy;
    try (Model graph = spec.compile(compile)) {
      graph.fit(train.dataset(), Fit.ofEpochs(4).batchSize(128).validationSplit(0.1)
          .progress(quiet ? ProgressSink.silent() : ProgressSink.console()));
      trained = graph.snapshot();
      graphOutputs = graph.predict(test.images());
      graphAccuracy = graph.evaluate(test.dataset()).get("accuracy");
    }

    try (EagerModel eager = EagerModel.build(spec, compile)) {
      eager.restore(trained); // load the trained state into the eager session's model
      HostArray eagerOutputs = eager.predict(test.images());
      double maxDiff = maxAbsDiff(eagerOutputs.floats(), graphOutputs.floats());
      double eagerAccuracy = eager.evaluate(test.dataset()).get("accuracy");
      Map<String, HostMask> next = eager.recomputeMasks();
      List<WeightReport> reports = new ArrayList<>();
      eager.masks().forEach((name, mask) -> {
        long[] shape = mask.shape();
        int units = (int) shape[shape.length - 1];
        int[] kept = new int[units];
        float[] m = mask.floats();
        for (int i = 0; i < m.length; i++) {
          kept[i % units] += m[i] != 0 ? 1 : 0;
        }
        reports.add(new WeightReport(name, Arrays.toString(shape), eager.sparsity().get(name),
            trained.get(PrunedWeight.thresholdName(name)).floats()[0],
            trained.get(PrunedWeight.updatesName(name)).longs()[0],
            Arrays.stream(kept).min().orElse(0), Arrays.stream(kept).max().orElse(0),
            Arrays.equals(next.get(name).mask(), m)));
      });

      System.out.printf(Locale.ROOT, "%nEager session over the trained model (step %d, mode %s)%n", eager.step(),
          eager.executionMode());
      String fmt = "| %-14s | %-16s | %8s | %9s | %12s | %17s | %21s |%n";
      System.out.printf(fmt, "weight", "shape", "sparsity", "threshold", "mask updates", "kept per unit", "next update same mask");
      System.out.println("|----------------|------------------|----------|-----------|--------------|-------------------|-----------------------|");
      for (WeightReport r : reports) {
        System.out.printf(Locale.ROOT, fmt, r.weight(), r.shape(), String.format(Locale.ROOT, "%.4f", r.sparsity()),
            String.format(Locale.ROOT, "%.5f", r.threshold()), r.maskUpdates(),
            r.minKeptPerUnit() + " - " + r.maxKeptPerUnit(), r.nextUpdateKeepsMask());
      }
      System.out.printf(Locale.ROOT, "%ntest accuracy: graph %.4f, eager %.4f; max |eager - graph| over all logits: %.2e%n",
          graphAccuracy, eagerAccuracy, maxDiff);
      if (json >= 0) {
        Path file = Path.of(args[json + 1]);
        StringBuilder b = new StringBuilder("{\"graph_accuracy\": " + graphAccuracy + ", \"eager_accuracy\": "
            + eagerAccuracy + ", \"max_abs_diff\": " + maxDiff + ", \"weights\": [");
        for (int i = 0; i < reports.size(); i++) {
          WeightReport r = reports.get(i);
          b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT,
              "{\"weight\": \"%s\", \"sparsity\": %s, \"threshold\": %s, \"mask_updates\": %d}",
              r.weight(), r.sparsity(), r.threshold(), r.maskUpdates()));
        }
        Files.writeString(file, b.append("]}\n").toString());
        System.out.println("wrote " + file);
      }
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
