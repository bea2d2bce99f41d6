package dev.topiary.benchmarks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
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
 * Steady training step (ms per batch) of the CNN and the MLP, dense and pruned (80 %, mask update
 * every 100 steps): each invocation is one {@code fit} epoch of {@link #BATCHES} batches, so the
 * per-fit setup is spread over them as in a real epoch. The Keras side: {@code tests/benchmarks/tools/keras_speed.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class TrainingStepBenchmark {
  static final int BATCHES = 50;

  @Param({"cnn", "mlp"})
  public String model;

  @Param({"32", "128"})
  public int batch;

  @Param({"dense", "pruned"})
  public String variant;

  private Model compiled;
  private HostArray[] data;

  @Setup(Level.Trial)
  public void setUp() {
    compiled = BenchData.model(model, 0, variant.equals("pruned")).compile(BenchData.COMPILE);
    data = BenchData.data(model, 0, batch * BATCHES);
  }

  @Benchmark
  @OperationsPerInvocation(BATCHES)
  public long trainingStep() {
    compiled.fit(data[0], data[1], BenchData.epoch(batch));
    return compiled.step();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    compiled.close();
  }
}
