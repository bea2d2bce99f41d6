package dev.topiary.benchmarks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
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
 * LSTM(32) / GRU(32) over (steps, 16), batch 64, pruned kernels: graph build ({@code compile}), build
 * plus the first training step (the runtime optimizes the graph then), and the steady step. The LSTM
 * runs as one fused op; the GRU is unrolled (see README, "Speed").
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class RecurrentBenchmark {
  static final int BATCH = 64;
  static final int BATCHES = 10;

  @Param({"lstm", "gru"})
  public String cell;

  @Param({"50", "200", "500"})
  public int steps;

  private ModelSpec spec;
  private HostArray[] data;

  @Setup(Level.Trial)
  public void setUp() {
    spec = BenchData.model(cell, steps, true);
    data = BenchData.data(cell, steps, BATCH * BATCHES);
    // The native library loads once per process: not part of any model's build.
    BenchData.model("mlp", 0, false).compile(BenchData.COMPILE).close();
  }

  /** Graph build only. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 0)
  @Measurement(iterations = 2)
  public long build() {
    try (Model m = spec.compile(BenchData.COMPILE)) {
      return m.step();
    }
  }

  /** Graph build and the first training step (one batch). */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 0)
  @Measurement(iterations = 2)
  public long buildAndFirstStep() {
    try (Model m = spec.compile(BenchData.COMPILE)) {
      m.fit(data[0].slice(0, BATCH), data[1].slice(0, BATCH), BenchData.epoch(BATCH));
      return m.step();
    }
  }

  /** A model compiled and trained one batch, for the steady steps. */
  @State(Scope.Benchmark)
  public static class Trained {
    Model model;

    @Setup(Level.Trial)
    public void setUp(RecurrentBenchmark b) {
      model = b.spec.compile(BenchData.COMPILE);
      model.fit(b.data[0].slice(0, BATCH), b.data[1].slice(0, BATCH), BenchData.epoch(BATCH));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      model.close();
    }
  }

  /** Steady training step, ms per batch. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, time = 2)
  @Measurement(iterations = 3, time = 2)
  @OperationsPerInvocation(BATCHES)
  public long steadyStep(Trained trained) {
    trained.model.fit(data[0], data[1], BenchData.epoch(BATCH));
    return trained.model.step();
  }
}
