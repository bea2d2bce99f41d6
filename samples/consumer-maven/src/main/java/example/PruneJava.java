package example;

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
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.Map;
import java.util.Random;

/** A small classifier on random data, its Dense kernels pruned from 0 to 75 % while it trains. */
public final class PruneJava {
  public static void main(String[] args) {
    int n = 512;
    Random random = new Random(1);
    float[] features = new float[n * 4];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 4; j++) {
        features[i * 4 + j] = (float) random.nextGaussian();
      }
      labels[i] = features[i * 4] + features[i * 4 + 1] > 0 ? 1 : 0;   // a rule the model can learn
    }
    HostArray x = HostArray.of(features, n, 4);
    HostArray y = HostArray.ofLabels(labels, n);

    ModelSpec spec = Sequential.of(Input.of(4), Dense.of(32, Activation.RELU), Dense.of(2))
        // 0 -> 75 % zeros over steps 0-200, the masks updated every 10 steps (16 steps per epoch here)
        .prunedWith(PruningSpec.of(PolynomialDecay.of(0.0, 0.75, 0, 200).withFrequency(10)));
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
        .metrics(Metric.ACCURACY).seed(42))) {
      model.fit(x, y, Fit.builder().epochs(20).batchSize(32).progress(ProgressSink.silent()).build());
      Map<String, Double> metrics = model.evaluate(x, y);
      System.out.printf("java: accuracy %.3f%n", metrics.get("accuracy"));
      model.sparsity().forEach((weight, sparsity) -> System.out.printf("java: %s sparsity %.2f%n", weight, sparsity));
    }
  }
}
