package dev.topiary.benchmarks;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.Random;

/**
 * The models and data the benchmarks share, the same as {@code tests/benchmarks/tools/keras_speed.py} builds on the
 * Keras side: the tutorial CNN, a 784-512-512-10 MLP, LSTM(32)/GRU(32) over (steps, 16) then Dense(10);
 * Adam, sparse categorical cross-entropy from logits, accuracy; random data seeded by its size.
 */
final class BenchData {
  /** Pruning as in the pruned/dense comparison: 80 %, a mask update every 100 steps. */
  static final PruningSpec PRUNING = PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 100));
  static final Compile COMPILE =
      Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(1);

  private BenchData() {}

  /** {@code cnn}, {@code mlp}, {@code lstm} or {@code gru} ({@code steps} for the recurrent ones), pruned if asked. */
  static ModelSpec model(String name, int steps, boolean pruned) {
    ModelSpec spec = switch (name) {
      case "cnn" -> MnistPruning.model();
      case "mlp" -> Sequential.of(Input.of(28, 28), Flatten.of(), Dense.of(512, Activation.RELU),
          Dense.of(512, Activation.RELU), Dense.of(10));
      case "lstm" -> Sequential.of(Input.of(steps, 16), LSTM.of(32), Dense.of(10));
      case "gru" -> Sequential.of(Input.of(steps, 16), GRU.of(32), Dense.of(10));
      default -> throw new IllegalArgumentException("unknown benchmark model '" + name + "'");
    };
    return pruned ? spec.prunedWith(PRUNING) : spec;
  }

  /** {@code n} random inputs in [0, 1) of the model's input shape, and labels 0-9. */
  static HostArray[] data(String name, int steps, int n) {
    Random r = new Random(n);
    boolean recurrent = name.equals("lstm") || name.equals("gru");
    int size = recurrent ? steps * 16 : 784;
    float[] x = new float[n * size];
    int[] y = new int[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(10);
    }
    HostArray inputs = recurrent ? HostArray.of(x, n, steps, 16) : HostArray.of(x, n, 28, 28);
    return new HostArray[] {inputs, HostArray.ofLabels(y)};
  }

  /** One silent epoch in order (no shuffle: every invocation trains the same batches). */
  static Fit epoch(int batch) {
    return Fit.ofEpochs(1).batchSize(batch).shuffle(false).progress(ProgressSink.silent());
  }
}
