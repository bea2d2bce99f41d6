package dev.topiary.ops.mask;

import static dev.topiary.ops.TestTensors.floats;
import static org.assertj.core.api.Assertions.assertThat;

import org.tensorflow.EagerSession;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Computes one mask three ways (Java, eager ops, graph ops) and checks they agree exactly. */
final class MaskRunner {
  private MaskRunner() {}

  static HostMask graph(MaskStrategy strategy, float[] weights, long[] shape, float sparsity) {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      MaskResult r = strategy.ops(tf, constant(tf, weights, shape), tf.constant(sparsity));
      try (Result out = session.runner().fetch(r.mask()).fetch(r.threshold()).run()) {
        return new HostMask(floats(out.get(0)), shape, floats(out.get(1))[0]);
      }
    }
  }

  static HostMask eager(MaskStrategy strategy, float[] weights, long[] shape, float sparsity) {
    try (EagerSession session = EagerSession.create()) {
      Ops tf = Ops.create(session);
      MaskResult r = strategy.ops(tf, constant(tf, weights, shape), tf.constant(sparsity));
      assertThat(r.mask().shape()).isEqualTo(Shape.of(shape));
      return new HostMask(floats(r.mask().asTensor()), shape, floats(r.threshold().asTensor())[0]);
    }
  }

  /** The mask in Java, after checking that eager and graph execution give the very same mask. */
  static HostMask all(MaskStrategy strategy, float[] weights, long[] shape, float sparsity) {
    HostMask java = strategy.host(weights, shape, sparsity);
    assertThat(graph(strategy, weights, shape, sparsity)).as("graph vs Java, " + strategy).isEqualTo(java);
    assertThat(eager(strategy, weights, shape, sparsity)).as("eager vs Java, " + strategy).isEqualTo(java);
    return java;
  }

  static org.tensorflow.Operand<TFloat32> constant(Ops tf, float[] weights, long[] shape) {
    try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(weights, true, false))) {
      return tf.constant(t);
    }
  }
}
