package dev.topiary.e2e;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/** The worker of {@link LargerThanMemoryTest}: run with a small heap. */
public final class LargerThanMemoryScenario {
  static final int EXAMPLES = 100_000;
  static final int BATCH = 250;

  private LargerThanMemoryScenario() {}

  /**
   * 784 features per example; class c lifts features c, c+10, c+20, ...: separable, made on the fly
   * by a generator (never stored) and batched by the library.
   */
  static Dataset generated(long seed) {
    return Dataset.fromGenerator(() -> new Iterator<Example>() {
      private final SplittableRandom random = new SplittableRandom(seed);
      private int made;

      @Override
      public boolean hasNext() {
        return made < EXAMPLES;
      }

      @Override
      public Example next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        made++;
        int label = random.nextInt(10);
        float[] x = new float[784];
        for (int j = 0; j < 784; j++) {
          x[j] = (float) random.nextDouble() + (j % 10 == label ? 0.5f : 0f);
        }
        return Example.of(x, label);
      }
    }, EXAMPLES).batch(BATCH).prefetch(2);
  }

  public static void main(String[] args) {
    long[] seen = {0};
    Callback count = new Callback() {
      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext c) {
        seen[0] += BATCH;
      }
    };
    var spec = Sequential.of(Input.of(784), Dense.of(32).activation(Activation.RELU),
        Dense.of(10).prunable(PruningSpec.of(PolynomialDecay.of(0.2, 0.8, 0, 600, 3, 50))));
    try (Model model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
        .metrics(Metric.ACCURACY).seed(1))) {
      model.fit(generated(1), Fit.ofEpochs(2).progress(ProgressSink.silent()).callbacks(count));
      Map<String, Double> test = model.evaluate(generated(99));
      System.out.println("examples seen: " + seen[0]);
      System.out.println("max heap MB: " + Runtime.getRuntime().maxMemory() / (1024 * 1024));
      System.out.printf("sparsity: %.4f%n", model.sparsity().get("dense_1_kernel"));
      System.out.printf("accuracy: %.4f%n", test.get("accuracy"));
    }
  }
}
