package dev.topiary.samples.ownloop;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.ops.Measurements;
import dev.topiary.ops.PruningHook;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.TensorFlowRuntime;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import java.util.Locale;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A hand-written TF Java training loop (no DSL: placeholders, variables, gradients, SGD) for an
 * MNIST 784-128-10 MLP, pruned through the {@code ops} module in a few lines: attach a
 * {@link PruningHook} to the kernels, read them through it in the forward pass, strip at the end.
 */
public final class OwnTrainingLoop {
  /** What the run produced. */
  public record Result(double testAccuracy, double kernel1Sparsity, double kernel2Sparsity, long steps) {}

  private OwnTrainingLoop() {}

  public static Result run(Idx.Split train, Idx.Split test, double targetSparsity, int epochs, boolean verbose) {
    int batch = 64;
    int stepsPerEpoch = train.size() / batch;
    long lastStep = (long) stepsPerEpoch * epochs - 1;
    // This loop touches TF before any Topiary call: let Topiary load TF first, so its oneDNN default applies.
    TensorFlowRuntime.requireSupported();
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Random random = new Random(1);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 784)));
      Placeholder<TInt32> y = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
      Variable<TFloat32> w1 = tf.withName("w1").variable(glorot(tf, random, 784, 128));
      Variable<TFloat32> b1 = tf.withName("b1").variable(tf.zeros(tf.constant(new long[] {128}), TFloat32.class));
      Variable<TFloat32> w2 = tf.withName("w2").variable(glorot(tf, random, 128, 10));
      Variable<TFloat32> b2 = tf.withName("b2").variable(tf.zeros(tf.constant(new long[] {10}), TFloat32.class));

      // --- pruning: the only lines this loop needs --------------------------------------------
      PruningSpec spec = PruningSpec.of(PolynomialDecay.of(0.0, targetSparsity, 0, lastStep / 10 * 10, 3, 10));
      PruningHook pruning = PruningHook.builder(tf).prune(w1, spec).prune(w2, spec).build();
      Operand<TFloat32> k1 = pruning.read(w1); // weight * mask, after this step's pruning update
      Operand<TFloat32> k2 = pruning.read(w2);
      // -----------------------------------------------------------------------------------------

      Operand<TFloat32> bias1 = tf.identity(b1); // variables are read through an identity
      Operand<TFloat32> bias2 = tf.identity(b2);
      Operand<TFloat32> hidden = tf.nn.relu(tf.math.add(tf.linalg.matMul(x, k1), bias1));
      Operand<TFloat32> logits = tf.math.add(tf.linalg.matMul(hidden, k2), bias2);
      Operand<TFloat32> oneHot = tf.oneHot(y, tf.constant(10), tf.constant(1f), tf.constant(0f));
      Operand<TFloat32> loss =
          tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
      // Differentiate with respect to the reads, apply to the variables: the usual TF Java pattern.
      Output<?>[] grads = g.addGradients(loss.asOutput(),
          new Output<?>[] {k1.asOutput(), k2.asOutput(), bias1.asOutput(), bias2.asOutput()});
      Operand<TFloat32> lr = tf.constant(0.1f);
      Op trainStep = tf.withControlDependencies(java.util.List.of(
              tf.train.applyGradientDescent(w1, lr, floats(grads[0])),
              tf.train.applyGradientDescent(w2, lr, floats(grads[1])),
              tf.train.applyGradientDescent(b1, lr, floats(grads[2])),
              tf.train.applyGradientDescent(b2, lr, floats(grads[3]))))
          .noOp();
      // Evaluation reads the masked weights without running the pruning update (no step advance).
      Operand<TFloat32> evalHidden = tf.nn.relu(tf.math.add(tf.linalg.matMul(x, pruning.readForInference(w1)), bias1));
      Operand<TFloat32> evalLogits = tf.math.add(tf.linalg.matMul(evalHidden, pruning.readForInference(w2)), bias2);
      Operand<TFloat32> accuracy = tf.math.mean(tf.dtypes.cast(
          tf.math.equal(tf.math.argMax(evalLogits, tf.constant(1), TInt32.class), y), TFloat32.class), tf.constant(0));

      HostArray images = flat(train.images());
      int[] order = new int[train.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      for (int epoch = 0; epoch < epochs; epoch++) {
        shuffle(order, random);
        double lossSum = 0;
        for (int s = 0; s < stepsPerEpoch; s++) {
          int[] idx = java.util.Arrays.copyOfRange(order, s * batch, (s + 1) * batch);
          try (Tensor xb = images.gather(idx).toTensor(); Tensor yb = train.labels().gather(idx).toTensor();
              org.tensorflow.Result r = session.runner().feed(x, xb).feed(y, yb).addTarget(trainStep).fetch(loss).run()) {
            lossSum += ((TFloat32) r.get(0)).getFloat();
          }
        }
        if (verbose) {
          System.out.printf(Locale.ROOT, "epoch %d: loss %.4f, step %d%n", epoch + 1, lossSum / stepsPerEpoch,
              fetchLong(session, pruning.step().read(tf)));
        }
      }
      session.run(pruning.strip()); // the variables themselves now hold the zeros
      double testAccuracy;
      try (Tensor xt = flat(test.images()).toTensor(); Tensor yt = test.labels().toTensor();
          org.tensorflow.Result r = session.runner().feed(x, xt).feed(y, yt).fetch(accuracy).run()) {
        testAccuracy = ((TFloat32) r.get(0)).getFloat();
      }
      return new Result(testAccuracy, fetch(session, Measurements.sparsity(tf, tf.identity(w1))),
          fetch(session, Measurements.sparsity(tf, tf.identity(w2))), fetchLong(session, pruning.step().read(tf)));
    }
  }

  /** Options: {@code --targets 0.9} (first value used), {@code --json FILE}, {@code --quiet}. */
  public static void main(String[] args) throws java.io.IOException {
    java.util.List<String> a = java.util.Arrays.asList(args);
    double target = a.contains("--targets") ? Double.parseDouble(a.get(a.indexOf("--targets") + 1).split(",")[0]) : 0.9;
    Result r = run(Idx.embedded("train"), Idx.embedded("t10k"), target, 5, !a.contains("--quiet"));
    System.out.printf(Locale.ROOT, "%n| loop | target | test accuracy | w1 sparsity | w2 sparsity | steps |%n");
    System.out.printf(Locale.ROOT, "|---|---|---|---|---|---|%n");
    System.out.printf(Locale.ROOT, "| hand-written TF Java, ops pruning | %.2f | %.4f | %.4f | %.4f | %d |%n",
        target, r.testAccuracy(), r.kernel1Sparsity(), r.kernel2Sparsity(), r.steps());
    if (a.contains("--json")) {
      java.nio.file.Path file = java.nio.file.Path.of(a.get(a.indexOf("--json") + 1));
      java.nio.file.Files.writeString(file, String.format(Locale.ROOT,
          "{\"target_sparsity\": %s, \"test_accuracy\": %s, \"w1_sparsity\": %s, \"w2_sparsity\": %s, \"steps\": %d}%n",
          target, r.testAccuracy(), r.kernel1Sparsity(), r.kernel2Sparsity(), r.steps()));
      System.out.println("wrote " + file);
    }
  }

  private static Operand<TFloat32> glorot(Ops tf, Random random, int in, int out) {
    float[] v = new float[in * out];
    double limit = Math.sqrt(6.0 / (in + out));
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
    try (TFloat32 t = TFloat32.tensorOf(Shape.of(in, out), DataBuffers.of(v, true, false))) {
      return tf.constant(t);
    }
  }

  private static HostArray flat(HostArray images) {
    return HostArray.of(images.floats(), images.examples(), 784);
  }

  private static Operand<TFloat32> floats(Output<?> o) {
    return o.expect(TFloat32.class);
  }

  private static double fetch(Session s, Operand<TFloat32> op) {
    try (org.tensorflow.Result r = s.runner().fetch(op).run()) {
      return ((TFloat32) r.get(0)).getFloat();
    }
  }

  private static long fetchLong(Session s, Operand<org.tensorflow.types.TInt64> op) {
    try (org.tensorflow.Result r = s.runner().fetch(op).run()) {
      return ((org.tensorflow.types.TInt64) r.get(0)).getLong();
    }
  }

  private static void shuffle(int[] order, Random random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}
