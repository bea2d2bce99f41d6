package dev.topiary.benchmarks;

import dev.topiary.ops.TensorFlowRuntime;
import java.util.Arrays;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The sparse module's {@code TF_DENSE} baseline as it runs: a 4096 x 4096 kernel as a constant, TF's
 * MatMul of a fed batch (1 and 32), copied in and out. Prints the median of 5 rounds of 100 runs (ms per
 * product), to compare TF_ENABLE_ONEDNN_OPTS=0 and 1.
 */
public final class TfDenseTiming {
  private TfDenseTiming() {}

  public static void main(String[] args) {
    TensorFlowRuntime.requireSupported();
    int n = 4096;
    Random r = new Random(1);
    float[] w = new float[n * n];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    for (int batch : new int[] {1, 32}) {
      float[] x = new float[batch * n];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.nextFloat();
      }
      try (Graph g = new Graph(); Session s = new Session(g);
          TFloat32 wt = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(w, true, false))) {
        Ops tf = Ops.create(g);
        Placeholder<TFloat32> in = tf.placeholder(TFloat32.class);
        var y = tf.linalg.matMul(in, tf.constantOf(wt));
        double[] rounds = new double[5];
        for (int round = -1; round < rounds.length; round++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < 100; i++) {
            try (TFloat32 xt = TFloat32.tensorOf(Shape.of(batch, n), DataBuffers.of(x, true, false));
                var out = s.runner().feed(in, xt).fetch(y).run()) {
              out.get(0).size();
            }
          }
          if (round >= 0) {
            rounds[round] = (System.nanoTime() - t0) / 1e6 / 100;
          }
        }
        Arrays.sort(rounds);
        System.out.printf("tf_dense 4096x4096 batch %d: %.3f ms (rounds %s)%n", batch, rounds[2], Arrays.toString(rounds));
      }
    }
  }
}
