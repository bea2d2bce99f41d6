package dev.topiary.ops;

import static dev.topiary.ops.TestTensors.fetchFloats;
import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.ops.schedule.PruningSchedule;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.TopK;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The hook against a literal transcription of the reference's training step (host-driven: if the
 * schedule says so recompute the mask, then weight := weight * mask, then the optimizer step), on a
 * small regression trained with momentum: the masks and the weights the model sees are identical at
 * every step.
 *
 * <p>The reference side uses none of the code under test: its schedule and mask are TFMOT's
 * {@code PolynomialDecay.__call__} and {@code _update_mask} written out here as plain TF ops (a full
 * {@code top_k} sort, the k-th value as threshold). Only the step numbering is this project's
 * (steps count from 0; TFMOT's starts at -1, a flaw the semantics note says to fix).
 */
class ReferenceEquivalenceTest {
  private static final int IN = 16;
  private static final int OUT = 4;
  private static final int STEPS = 60;
  private static final double INITIAL = 0.1;
  private static final double FINAL = 0.7;
  private static final long BEGIN = 3;
  private static final long END = 40;
  private static final int POWER = 3;
  private static final long FREQUENCY = 4;
  private static final PruningSchedule SCHEDULE = PolynomialDecay.of(INITIAL, FINAL, BEGIN, END, POWER, FREQUENCY);

  @Test
  void hookTrainsExactlyLikeTheReferenceStep() {
    float[][] reference = new float[STEPS][];
    float[][] referenceMasks = new float[STEPS][];
    float[][] hook = new float[STEPS][];
    float[][] hookMasks = new float[STEPS][];
    runReference(reference, referenceMasks);
    runHook(hook, hookMasks);
    for (int s = 0; s < STEPS; s++) {
      assertThat(hookMasks[s]).as("mask after step %d", s).containsExactly(referenceMasks[s]);
      // Equal as numbers: a pruned weight may be 0.0 on one side and -0.0 on the other.
      assertThat(hook[s]).as("weights seen after step %d", s).containsExactly(reference[s], org.assertj.core.data.Offset.offset(0f));
    }
    // 64 weights at 0.7: round(64 * 0.3) = 19 kept.
    assertThat(Measurements.sparsity(referenceMasks[STEPS - 1])).isEqualTo(45.0 / 64);
  }

  /** A regression problem and a momentum optimizer, identical in both graphs. */
  private record Problem(Variable<TFloat32> kernel, Operand<TFloat32> x, Operand<TFloat32> y) {
    static Problem create(Ops tf) {
      Random r = new Random(9);
      float[] xs = new float[32 * IN];
      float[] k = new float[IN * OUT];
      float[] k0 = new float[IN * OUT];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) r.nextGaussian();
      }
      for (int i = 0; i < k.length; i++) {
        k[i] = (float) r.nextGaussian();
        k0[i] = (float) r.nextGaussian() * 0.1f;
      }
      Operand<TFloat32> x = constant(tf, xs, 32, IN);
      return new Problem(tf.withName("kernel").variable(constant(tf, k0, IN, OUT)), x,
          tf.linalg.matMul(x, constant(tf, k, IN, OUT)));
    }

    @SuppressWarnings("unchecked")
    Op trainStep(Ops tf, Graph g, Operand<TFloat32> kernelRead) {
      Operand<TFloat32> diff = tf.math.sub(tf.linalg.matMul(x, kernelRead), y);
      Operand<TFloat32> loss = tf.math.mean(tf.math.mul(diff, diff), tf.constant(new int[] {0, 1}));
      Output<?> grad = g.addGradients(loss.asOutput(), new Output<?>[] {kernelRead.asOutput()})[0];
      Variable<TFloat32> accum = tf.withName("accum").variable(tf.zeros(tf.constant(new long[] {IN, OUT}), TFloat32.class));
      return tf.train.applyMomentum(kernel, accum, tf.constant(0.05f), (Operand<TFloat32>) grad, tf.constant(0.9f));
    }
  }

  private static Operand<TFloat32> constant(Ops tf, float[] v, long... shape) {
    try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(v, true, false))) {
      return tf.constant(t);
    }
  }

  /** TFMOT's gate: begin <= step <= end (end -1: no end) and (step - begin) % frequency == 0. */
  private static boolean referenceShouldPrune(long step) {
    return step >= BEGIN && (step <= END || END < 0) && (step - BEGIN) % FREQUENCY == 0;
  }

  /**
   * TFMOT's PolynomialDecay sparsity: p = min(1, max(0, float32(step - begin) / (end - begin)));
   * (initial - final) * (1 - p)^power + final, every constant a float32 tensor as Python converts it.
   */
  private static Operand<TFloat32> referenceSparsity(Ops tf, Operand<TInt64> step) {
    Operand<TFloat32> elapsed = tf.dtypes.cast(tf.math.sub(step, tf.constant(BEGIN)), TFloat32.class);
    Operand<TFloat32> p = tf.math.minimum(tf.constant(1f),
        tf.math.maximum(tf.constant(0f), tf.math.div(elapsed, tf.constant((float) (END - BEGIN)))));
    Operand<TFloat32> decay = tf.math.pow(tf.math.sub(tf.constant(1f), p), tf.constant((float) POWER));
    return tf.math.add(tf.math.mul(tf.constant((float) (INITIAL - FINAL)), decay), tf.constant((float) FINAL));
  }

  /**
   * TFMOT's _update_mask: k = int32(max(round(float32(size) * (1 - s)), 1)); sort |w| descending with
   * top_k over the whole tensor; threshold = values[k - 1]; mask = |w| >= threshold.
   */
  private static Operand<TFloat32> referenceMask(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
    Operand<TFloat32> abs = tf.math.abs(weights);
    Operand<TInt32> size = tf.size(abs);
    Operand<TInt32> k = tf.dtypes.cast(
        tf.math.maximum(
            tf.math.round(tf.math.mul(tf.dtypes.cast(size, TFloat32.class), tf.math.sub(tf.constant(1f), sparsity))),
            tf.constant(1f)),
        TInt32.class);
    TopK<TFloat32, TInt32> sorted =
        tf.nn.topK(tf.reshape(abs, tf.constant(new int[] {-1})), size, TInt32.class, TopK.sorted(true));
    Operand<TFloat32> threshold = tf.gather(sorted.values(), tf.math.sub(k, tf.constant(1)), tf.constant(0));
    return tf.dtypes.cast(tf.math.greaterEqual(abs, threshold), TFloat32.class);
  }

  private static void runReference(float[][] seen, float[][] masks) {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Problem p = Problem.create(tf);
      Variable<TFloat32> mask = tf.variable(tf.ones(tf.constant(new long[] {IN, OUT}), TFloat32.class));
      var step = tf.placeholder(TInt64.class);
      Op recompute = tf.assign(mask, referenceMask(tf, tf.identity(p.kernel()), referenceSparsity(tf, step)));
      Op apply = tf.assign(p.kernel(), tf.math.mul(tf.identity(p.kernel()), tf.identity(mask)));
      Op train = p.trainStep(tf, g, tf.identity(p.kernel()));
      Operand<TFloat32> masked = tf.math.mul(tf.identity(p.kernel()), tf.identity(mask));
      for (int s = 0; s < STEPS; s++) {
        if (referenceShouldPrune(s)) {
          try (TInt64 feed = TInt64.scalarOf(s)) {
            session.runner().feed(step, feed).addTarget(recompute).run();
          }
        }
        session.run(apply);
        session.run(train);
        seen[s] = fetchFloats(session, masked);
        masks[s] = fetchFloats(session, tf.identity(mask));
      }
    }
  }

  private static void runHook(float[][] seen, float[][] masks) {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Problem p = Problem.create(tf);
      PruningHook hook = PruningHook.builder(tf).prune(p.kernel(), PruningSpec.of(SCHEDULE)).build();
      Op train = p.trainStep(tf, g, hook.read(p.kernel()));
      PrunedWeight w = hook.weight(p.kernel());
      for (int s = 0; s < STEPS; s++) {
        session.run(train);
        seen[s] = fetchFloats(session, w.masked(tf));
        masks[s] = fetchFloats(session, tf.identity(w.mask()));
      }
    }
  }
}
