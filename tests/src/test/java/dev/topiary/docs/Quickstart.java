package dev.topiary.docs;

// The README's quickstart, verbatim between the markers (DocSnippetsTest checks the text and runs it).
// [snippet:Quickstart]
import dev.topiary.dsl.*;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.*;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.Random;

public class Quickstart {
  public static void main(String[] args) {
    // 2,000 points in the square, labelled by the side of the diagonal they fall on
    Random random = new Random(42);
    float[][] x = new float[2000][2];
    int[] y = new int[2000];
    for (int i = 0; i < x.length; i++) {
      x[i][0] = random.nextFloat();
      x[i][1] = random.nextFloat();
      y[i] = x[i][0] > x[i][1] ? 1 : 0;
    }
    ModelSpec spec = Sequential.of(Input.of(2),
        Dense.of(50, Activation.RELU).prunable(PolynomialDecay.of(0.0, 0.8, 0, 200).withFrequency(10)),
        Dense.of(2));
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
        .metrics(Metric.ACCURACY).seed(42))) {
      model.fit(Dataset.of(x, y), Fit.ofEpochs(5).batchSize(32));   // 63 steps an epoch; 80 % zeros from step 200
      try (Model small = model.strip()) {                          // plain layers, zeros in the weights
        System.out.println(small.summary());
        System.out.println(small.sparsity());                      // {dense_kernel=0.8, dense_1_kernel=0.0}
        System.out.println(small.evaluate(Dataset.of(x, y)));      // {loss=..., accuracy=...}
      }
    }
  }
}
// [end:Quickstart]
