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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole first {@code fit}: compile, then one epoch of {@link #BATCHES} batches, as a user's first
 * run sees it (graph build and optimization included; the native library is loaded before).
 * Compare with round 0's {@code fit_s + build_s} of {@code tests/benchmarks/tools/keras_speed.py} (tracing included).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class FirstFitBenchmark {
  static final int BATCHES = 200;

  @Param({"cnn", "mlp"})
  public String model;

  @Param({"32", "128"})
  public int batch;

  private HostArray[] data;

  @Setup(Level.Trial)
  public void setUp() {
    data = BenchData.data(model, 0, batch * BATCHES);
    BenchData.model("mlp", 0, false).compile(BenchData.COMPILE).close(); // loads the native library
  }

  @Benchmark
  public long compileAndFit() {
    try (Model m = BenchData.model(model, 0, false).compile(BenchData.COMPILE)) {
      m.fit(data[0], data[1], BenchData.epoch(batch));
      return m.step();
    }
  }
}
