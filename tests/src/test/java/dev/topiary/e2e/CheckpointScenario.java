package dev.topiary.e2e;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import java.nio.file.Path;
import java.util.Map;

/** One training run, shared by the test JVM and the worker JVM that the test kills. */
final class CheckpointScenario {
  static final int EXAMPLES = 1024;

  private CheckpointScenario() {}

  static ModelSpec spec() {
    PolynomialDecay schedule = PolynomialDecay.of(0.3, 0.8, 0, 80, 3, 3);
    return Sequential.of(Input.of(28, 28), Reshape.of(28, 28, 1),
        Conv2D.of(8, 3).activation(Activation.RELU).prunable(schedule), MaxPooling2D.of(2), Flatten.of(),
        Dropout.of(0.2), Dense.of(10).prunable(schedule));
  }

  static Compile compile() {
    return Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(9);
  }

  static HostArray[] data() {
    Idx.Split train = Idx.embedded("train");
    return new HostArray[] {train.images().slice(0, EXAMPLES), train.labels().slice(0, EXAMPLES)};
  }

  /** 3 epochs of 32 batches, 10 % held out for validation. */
  static Fit fit() {
    return Fit.ofEpochs(3).batchSize(29).validationSplit(0.1).progress(ProgressSink.silent());
  }

  /** The worker: trains with a checkpoint every 5 steps, slowly, until the test kills it. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    HostArray[] d = data();
    Callback slow = new Callback() {
      @Override
      public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext control) {
        try {
          Thread.sleep(40);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    try (var model = spec().compile(compile())) {
      model.fit(d[0], d[1], fit().checkpoints(file, 5).callbacks(slow));
    }
    System.out.println("finished without being killed");
  }
}
