package dev.topiary.benchmarks;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Training step (ms per batch, dense, batch 128) of a small model per layer type, to decide per layer
 * where TF's oneDNN kernels (TF_ENABLE_ONEDNN_OPTS=1, Topiary's default on x86-64) help: run it once
 * with the variable 0 and once with 1. {@link #main} writes the predictions after 50 fixed training
 * steps to a file, to compare the two settings' outputs. Models: Dense = 784-512-512-10; Conv2D =
 * two 3x3 convolutions (32 filters); DepthwiseConv2D and BatchNormalization after a 1x1 Conv2D(16).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class LayerStepBenchmark {
  static final int BATCH = 128;

  @Param({"dense", "conv2d", "depthwise", "batchnorm"})
  public String layer;

  private Model compiled;
  private HostArray[] data;

  static ModelSpec model(String layer) {
    return switch (layer) {
      case "dense" -> BenchData.model("mlp", 0, false);
      case "conv2d" -> Sequential.of(Input.of(28, 28), Reshape.of(28, 28, 1), Conv2D.of(32, 3).activation(Activation.RELU),
          Conv2D.of(32, 3).activation(Activation.RELU), Flatten.of(), Dense.of(10));
      case "depthwise" -> Sequential.of(Input.of(28, 28), Reshape.of(28, 28, 1), Conv2D.of(16, 1),
          DepthwiseConv2D.of(3).activation(Activation.RELU), Flatten.of(), Dense.of(10));
      case "batchnorm" -> Sequential.of(Input.of(28, 28), Reshape.of(28, 28, 1), Conv2D.of(16, 1),
          BatchNormalization.of(), Flatten.of(), Dense.of(10));
      default -> throw new IllegalArgumentException("unknown layer '" + layer + "'");
    };
  }

  @Setup(Level.Trial)
  public void setUp() {
    compiled = model(layer).compile(BenchData.COMPILE);
    data = BenchData.data("mlp", 0, BATCH * TrainingStepBenchmark.BATCHES);
  }

  @Benchmark
  @OperationsPerInvocation(TrainingStepBenchmark.BATCHES)
  public long trainingStep() {
    compiled.fit(data[0], data[1], BenchData.epoch(BATCH));
    return compiled.step();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    compiled.close();
  }

  /**
   * {@code main(outDir, model...)}: per model (a layer above, or cnn / lstm / gru), from seed 1, the
   * predictions of 256 examples as big-endian floats before training ({@code outDir/<model>-0.bin}),
   * after one training step at batch 128 ({@code -1.bin}) and after 50 ({@code -50.bin}): the first
   * two compare kernels on the same weights, the last a short training run. With {@code
   * -Dbench.sgd=true} the optimizer is SGD (0.01) instead of Adam, whose first steps move every weight by
   * about the learning rate times the sign of its gradient, so a near-zero gradient that rounds to the
   * other sign moves a weight by twice the learning rate: a kernel difference in the last bits shows up
   * as 1e-3 there.
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (int i = 1; i < args.length; i++) {
      String name = args[i];
      ModelSpec spec = switch (name) {
        case "cnn", "lstm", "gru" -> BenchData.model(name, 50, false);
        default -> model(name);
      };
      HostArray[] train = BenchData.data(name, 50, BATCH * TrainingStepBenchmark.BATCHES);
      HostArray[] test = BenchData.data(name, 50, 256);
      Compile compile = Boolean.getBoolean("bench.sgd")
          ? Compile.of(Optimizer.sgd(0.01f), Loss.sparseCategoricalCrossentropy(true)).seed(1) : BenchData.COMPILE;
      try (Model m = spec.compile(compile)) {
        write(dir.resolve(name + "-0.bin"), m.predict(test[0]).floats());
        m.fit(train[0].slice(0, BATCH), train[1].slice(0, BATCH), BenchData.epoch(BATCH));
        write(dir.resolve(name + "-1.bin"), m.predict(test[0]).floats());
        m.fit(train[0].slice(BATCH, BATCH * TrainingStepBenchmark.BATCHES),
            train[1].slice(BATCH, BATCH * TrainingStepBenchmark.BATCHES), BenchData.epoch(BATCH));
        write(dir.resolve(name + "-50.bin"), m.predict(test[0]).floats());
        System.out.println(name + ": predictions written after 0, 1 and 50 steps");
      }
    }
  }

  private static void write(Path file, float[] values) throws IOException {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      for (float v : values) {
        out.writeFloat(v);
      }
    }
  }
}
