package dev.topiary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.ops.PruningHook;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Cost of one mask update for a large kernel, against one dense forward matmul of the same kernel at
 * batch 128, and against the sort-based threshold of the reference. Run with {@code mvn -Pbench}.
 */
@Tag("benchmark")
class MaskUpdateBenchmark {
  private static final int WARMUP = 5;
  private static final int RUNS = 30;

  @Test
  void maskUpdateVersusDenseMatmul() {
    System.out.println();
    System.out.println("| kernel | mask update step | other step (zeroes pruned weights) | TopK full sort (reference) | matmul fwd b=128 | update / matmul |");
    System.out.println("|---|---|---|---|---|---|");
    for (int side : new int[] {1024, 2048}) {
      measure(side);
    }
  }

  private void measure(int side) {
    float[] weights = new float[side * side];
    Random random = new Random(side);
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) random.nextGaussian();
    }
    float[] input = new float[128 * side];
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) random.nextGaussian();
    }
    try (Graph g = new Graph();
        TFloat32 init = TFloat32.tensorOf(Shape.of(side, side), DataBuffers.of(weights, true, false));
        TFloat32 batch = TFloat32.tensorOf(Shape.of(128, side), DataBuffers.of(input, true, false))) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> kernel = tf.withName("kernel").variable(tf.constant(init));
      // frequency 2: even steps recompute the mask, odd steps zero the pruned weights before the next.
      PruningHook hook =
          PruningHook.builder(tf).prune(kernel, PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 2))).build();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> forward = tf.sum(tf.linalg.matMul(x, tf.identity(kernel)), tf.constant(new int[] {0, 1}));
      Operand<TFloat32> flat = tf.reshape(tf.math.abs(tf.identity(kernel)), tf.constant(new int[] {-1}));
      TopK<TFloat32, TInt32> sort = tf.nn.topK(flat, tf.constant(side * side), TInt32.class, TopK.sorted(true));
      Operand<TFloat32> sortProbe = tf.sum(sort.values(), tf.constant(0));

      try (Session s = new Session(g)) {
        double[] pruning = new double[RUNS];
        double[] applyOnly = new double[RUNS];
        for (int i = -WARMUP; i < RUNS; i++) {
          long t0 = System.nanoTime();
          s.run(hook.update());
          long t1 = System.nanoTime();
          s.run(hook.update());
          long t2 = System.nanoTime();
          if (i >= 0) {
            pruning[i] = (t1 - t0) / 1e6;
            applyOnly[i] = (t2 - t1) / 1e6;
          }
        }
        double matmul = median(() -> {
          try (Result r = s.runner().feed(x, batch).fetch(forward).run()) {
            assertThat(r.size()).isEqualTo(1);
          }
        });
        double topK = median(() -> {
          try (Result r = s.runner().fetch(sortProbe).run()) {
            assertThat(r.size()).isEqualTo(1);
          }
        });
        double update = median(pruning);
        System.out.printf("| %dx%d (%.0fM) | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2f |%n",
            side, side, side * side / 1e6, update, median(applyOnly), topK, matmul, update / matmul);
      }
    }
  }

  private static double median(Runnable body) {
    double[] times = new double[RUNS];
    for (int i = -WARMUP; i < RUNS; i++) {
      long t0 = System.nanoTime();
      body.run();
      if (i >= 0) {
        times[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return median(times);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
