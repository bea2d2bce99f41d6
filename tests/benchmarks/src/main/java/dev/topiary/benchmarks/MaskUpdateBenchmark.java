package dev.topiary.benchmarks;

import dev.topiary.ops.PruningHook;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.Random;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One mask update of a large kernel (ops alone, {@link PruningHook}) against one dense forward matmul of
 * the same kernel at batch 128 and against the reference's sort-based threshold (TopK over all
 * magnitudes). With frequency 2, {@link #maskUpdatePair} runs a recomputing step and the following
 * step (which zeroes the pruned weights before the next recompute).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class MaskUpdateBenchmark {
  @Param({"1024", "2048"})
  public int side;

  private Graph graph;
  private Session session;
  private PruningHook hook;
  private TFloat32 batch;
  private Placeholder<TFloat32> x;
  private Operand<TFloat32> forward;
  private Operand<TFloat32> sortProbe;

  @Setup(Level.Trial)
  public void setUp() {
    Random random = new Random(side);
    float[] weights = new float[side * side];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) random.nextGaussian();
    }
    float[] input = new float[128 * side];
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) random.nextGaussian();
    }
    graph = new Graph();
    Ops tf = Ops.create(graph);
    try (TFloat32 init = TFloat32.tensorOf(Shape.of(side, side), DataBuffers.of(weights, true, false))) {
      Variable<TFloat32> kernel = tf.withName("kernel").variable(tf.constant(init));
      hook = PruningHook.builder(tf).prune(kernel, PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 2))).build();
      x = tf.placeholder(TFloat32.class);
      forward = tf.sum(tf.linalg.matMul(x, tf.identity(kernel)), tf.constant(new int[] {0, 1}));
      Operand<TFloat32> flat = tf.reshape(tf.math.abs(tf.identity(kernel)), tf.constant(new int[] {-1}));
      TopK<TFloat32, TInt32> sort = tf.nn.topK(flat, tf.constant(side * side), TInt32.class, TopK.sorted(true));
      sortProbe = tf.sum(sort.values(), tf.constant(0));
    }
    batch = TFloat32.tensorOf(Shape.of(128, side), DataBuffers.of(input, true, false));
    session = new Session(graph);
  }

  /** A recomputing step and the zeroing step after it. */
  @Benchmark
  public void maskUpdatePair() {
    session.run(hook.update());
    session.run(hook.update());
  }

  @Benchmark
  public float denseMatmulBatch128() {
    try (Result r = session.runner().feed(x, batch).fetch(forward).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }

  @Benchmark
  public float referenceTopKSort() {
    try (Result r = session.runner().fetch(sortProbe).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    batch.close();
    session.close();
    graph.close();
  }
}
