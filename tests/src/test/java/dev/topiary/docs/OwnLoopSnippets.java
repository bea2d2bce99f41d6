package dev.topiary.docs;

import dev.topiary.ops.PruningHook;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Snippets of docs/guides/own-training-loop.md. */
final class OwnLoopSnippets {
  private OwnLoopSnippets() {}

  static void ownLoop(Graph graph, Session session, Operand<TFloat32> initialKernel, Operand<TFloat32> x) {
    // [snippet:PruningHook]
    Ops tf = Ops.create(graph);
    Variable<TFloat32> kernel = tf.variable(initialKernel);          // your variable
    PruningHook pruning = PruningHook.builder(tf)
        .prune(kernel, PruningSpec.of(PolynomialDecay.of(0.0, 0.75, 0, 1000).withFrequency(10)))
        .build();
    Operand<TFloat32> k = pruning.read(kernel);               // use this in the training forward pass
    Operand<TFloat32> e = pruning.readForInference(kernel);   // in evaluation passes (no pruning step)
    Operand<TFloat32> logits = tf.linalg.matMul(x, k);
    // ... loss, gradients with respect to k, apply them to `kernel`, as you already do.
    // Every session run that computes the forward pass also runs the pruning step: the step counter
    // advances with your training step, the mask is recomputed when the schedule says so, and the
    // weight is multiplied by its mask before use.
    session.run(pruning.strip());                             // weights themselves sparse, for export
    // [end:PruningHook]
  }
}
