package dev.topiary.ops;

import static dev.topiary.ops.TestTensors.fetchFloat;
import static dev.topiary.ops.TestTensors.fetchFloats;
import static dev.topiary.ops.TestTensors.fetchLong;
import static dev.topiary.ops.TestTensors.oneTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

class PruningHookTest {
  private Graph graph;
  private Ops tf;
  private Session session;

  @BeforeEach
  void open() {
    graph = new Graph();
    tf = Ops.create(graph);
  }

  @AfterEach
  void close() {
    if (session != null) {
      session.close();
    }
    graph.close();
  }

  private Session session() {
    if (session == null) {
      session = new Session(graph);
    }
    return session;
  }

  private Variable<TFloat32> variable(String name, float[] values, long... shape) {
    try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false))) {
      int slash = name.lastIndexOf('/');
      Ops scope = slash < 0 ? tf : tf.withSubScope(name.substring(0, slash));
      return scope.withName(name.substring(slash + 1)).variable(tf.constant(t));
    }
  }

  /** Overwrites a variable's value, as an optimizer step would. */
  private void set(Variable<TFloat32> var, float[] values) {
    try (TFloat32 t = TFloat32.tensorOf(var.shape(), DataBuffers.of(values, true, false))) {
      Placeholder<TFloat32> feed = tf.placeholder(TFloat32.class);
      session().runner().feed(feed, t).addTarget(tf.assign(var, feed)).run();
    }
  }

  @Test
  void masksAreRecomputedOnlyOnScheduledStepsStartingAtBegin() {
    Variable<TFloat32> w = variable("w", oneTo(8), 2, 4);
    PruningHook hook =
        PruningHook.builder(tf).prune(w, PruningSpec.of(ConstantSparsity.of(0.5, 2, -1, 3))).build();
    PrunedWeight pw = hook.weight(w);

    session().run(hook.update()); // step 0
    session().run(hook.update()); // step 1
    assertThat(fetchFloats(session(), pw.masked(tf))).containsExactly(oneTo(8));
    assertThat(fetchLong(session(), tf.identity(pw.maskUpdates()))).isZero();

    session().run(hook.update()); // step 2 = begin: first update
    assertThat(fetchFloats(session(), pw.masked(tf))).containsExactly(0, 0, 0, 0, 5, 6, 7, 8);
    assertThat(fetchFloat(session(), pw.currentThreshold(tf))).isEqualTo(5f);
    assertThat(fetchLong(session(), hook.step().read(tf))).isEqualTo(3);

    // The optimizer moves every weight; the mask stays frozen until step 5, but is still applied.
    set(w, new float[] {8, 7, 6, 5, 4, 3, 2, 1});
    session().run(hook.update()); // step 3
    assertThat(fetchFloats(session(), pw.masked(tf))).containsExactly(0, 0, 0, 0, 4, 3, 2, 1);
    assertThat(fetchFloats(session(), tf.identity(w))).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
    set(w, new float[] {8, 7, 6, 5, 4, 3, 2, 1});
    session().run(hook.update()); // step 4: the next step updates the mask, so the stored weights are zeroed
    assertThat(fetchFloats(session(), tf.identity(w))).containsExactly(0, 0, 0, 0, 4, 3, 2, 1);
    set(w, new float[] {0.5f, 0, 0, 0, 4, 3, 2, 1}); // one optimizer step of regrowth
    session().run(hook.update()); // step 5: recompute from the current weights
    assertThat(fetchLong(session(), tf.identity(pw.maskUpdates()))).isEqualTo(2);
    assertThat(fetchFloats(session(), tf.identity(pw.mask()))).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
    assertThat(fetchFloat(session(), pw.currentThreshold(tf))).isEqualTo(1f);
  }

  @Test
  void nonPruningStepsRunNoneOfTheMaskComputation() {
    Variable<TFloat32> w = variable("kernel", randomWeights(4096, 1), 64, 64);
    Variable<TFloat32> conv = variable("conv", randomWeights(3 * 3 * 8 * 4, 2), 3, 3, 8, 4);
    Variable<TFloat32> a = variable("a", randomWeights(300, 3), 300);
    Variable<TFloat32> b = variable("b", randomWeights(40, 4), 8, 5);
    PruningSpec shared = PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2));
    PruningHook hook =
        PruningHook.builder(tf)
            .prune(w, PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2)))
            .prune(conv, PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0, -1, 2)))
            .prune(a, shared)
            .prune(b, shared)
            .build();
    List<String> pruningStep = executedNodes(hook.update()); // step 0: prunes
    List<String> otherStep = executedNodes(hook.update()); // step 1: does not

    assertThat(pruningStep).anyMatch(n -> n.startsWith("kernel_prune/recompute/"));
    assertThat(pruningStep).anyMatch(n -> n.contains("TopK") || n.startsWith("conv_prune/recompute/"));
    // a and b share a schedule and a strategy: their masks come from one selection, gated once.
    assertThat(pruningStep).anyMatch(n -> n.startsWith("pruning_masks/recompute/") && n.contains("Bincount"));
    assertThat(pruningStep).anyMatch(n -> n.startsWith("pruning_masks/recompute/Assign"));
    assertThat(otherStep).noneMatch(n -> n.contains("/recompute/"));
    assertThat(otherStep).noneMatch(n -> n.contains("TopK") || n.contains("Bincount"));
    assertThat(otherStep).anyMatch(n -> n.startsWith("kernel_prune/")); // the update itself runs
  }

  private List<String> executedNodes(Op target) {
    RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
    try (Result r = session().runner().addTarget(target).setOptions(trace).runAndFetchMetadata()) {
      List<String> names = new ArrayList<>();
      r.getMetadata().orElseThrow().getStepStats().getDevStatsList()
          .forEach(dev -> dev.getNodeStatsList().stream().map(NodeExecStats::getNodeName).forEach(names::add));
      assertThat(names).isNotEmpty();
      return names;
    }
  }

  /**
   * Weights sharing a schedule and a strategy have their masks built together (one selection over
   * all of them); each must still get exactly its own mask, on every recompute, with the stored
   * weights zeroed before each.
   */
  @Test
  void weightsSharingASpecGetEachTheirOwnMaskOnEveryUpdate() {
    PruningSpec shared = PruningSpec.of(PolynomialDecay.of(0.3, 0.8, 0, 4, 3, 2));
    long[][] shapes = {{50}, {6, 7}, {3, 3, 4, 5}, {1}, {2, 2}};
    List<Variable<TFloat32>> weights = new ArrayList<>();
    PruningHook.Builder builder = PruningHook.builder(tf);
    for (int j = 0; j < shapes.length; j++) {
      Variable<TFloat32> v = variable("w" + j, tiedWeights((int) Shape.of(shapes[j]).size(), j), shapes[j]);
      weights.add(v);
      builder.prune(v, shared);
    }
    PruningHook hook = builder.build();
    Random random = new Random(11);
    int updates = 0;
    for (int step = 0; step < 6; step++) {
      // What each weight holds when the step starts (after the last "optimizer step").
      List<float[]> before = new ArrayList<>();
      for (Variable<TFloat32> v : weights) {
        before.add(fetchFloats(session(), tf.identity(v)));
      }
      session().run(hook.update());
      // The schedule's Java form (tested bit for bit against its ops elsewhere): steps 0, 2, 4.
      boolean recomputed = shared.schedule().at(step).shouldPrune();
      boolean zeroed = shared.schedule().at(step + 1).shouldPrune();
      float sparsity = shared.schedule().at(step).sparsity();
      updates += recomputed ? 1 : 0;
      for (int j = 0; j < shapes.length; j++) {
        PrunedWeight pw = hook.weight(weights.get(j));
        if (recomputed) {
          var expected = MaskStrategy.magnitude().host(before.get(j), shapes[j], sparsity);
          assertThat(fetchFloats(session(), tf.identity(pw.mask()))).as("mask of w%d at step %d", j, step)
              .containsExactly(expected.mask());
          assertThat(fetchFloat(session(), pw.currentThreshold(tf))).isEqualTo(expected.threshold());
        }
        assertThat(fetchLong(session(), tf.identity(pw.maskUpdates()))).isEqualTo(updates);
        if (zeroed) { // the next step recomputes: the stored weights are zeroed where masked
          float[] mask = fetchFloats(session(), tf.identity(pw.mask()));
          float[] stored = fetchFloats(session(), tf.identity(weights.get(j)));
          for (int i = 0; i < mask.length; i++) {
            assertThat(stored[i]).isEqualTo(mask[i] == 0f ? 0f : before.get(j)[i]);
          }
        }
      }
      for (int j = 0; j < shapes.length; j++) { // an optimizer step moves every weight
        float[] now = fetchFloats(session(), tf.identity(weights.get(j)));
        for (int i = 0; i < now.length; i++) {
          now[i] += (random.nextInt(9) - 4) / 16f;
        }
        set(weights.get(j), now);
      }
    }
    assertThat(updates).isEqualTo(3);
  }

  /** Multiples of 1/8, so magnitudes tie; {@code seed} varies them per weight. */
  private static float[] tiedWeights(int n, int seed) {
    Random random = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (random.nextInt(41) - 20) / 8f;
    }
    return out;
  }

  @Test
  void mByNMaskIsFixedAtTheFirstPruningStep() {
    Variable<TFloat32> w = variable("dense", oneTo(8), 4, 2);
    PruningHook hook =
        PruningHook.builder(tf).prune(w, PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0, -1, 1))).build();
    session().run(hook.update());
    // [in=4, out=2] = rows {1,2},{3,4},{5,6},{7,8}: each output keeps inputs 2 and 3.
    float[] firstMask = fetchFloats(session(), tf.identity(hook.weight(w).mask()));
    assertThat(firstMask).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
    set(w, new float[] {8, 7, 6, 5, 4, 3, 2, 1});
    session().run(hook.update());
    session().run(hook.update());
    assertThat(fetchFloats(session(), tf.identity(hook.weight(w).mask()))).containsExactly(firstMask);
    assertThat(fetchLong(session(), tf.identity(hook.weight(w).maskUpdates()))).isEqualTo(1);
  }

  @Test
  void stripMakesTheStoredWeightSparse() {
    Variable<TFloat32> w = variable("w", oneTo(10), 10);
    PruningHook hook = PruningHook.builder(tf).prune(w, PruningSpec.of(ConstantSparsity.of(0.2, 0))).build();
    session().run(hook.update());
    set(w, new float[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9}); // an optimizer step after the forward pass
    session().run(hook.strip());
    assertThat(fetchFloats(session(), tf.identity(w))).containsExactly(0, 0, 9, 9, 9, 9, 9, 9, 9, 9);
    assertThat(fetchFloat(session(), Measurements.sparsity(tf, tf.identity(w)))).isEqualTo(0.2f);
  }

  @Test
  void blockSparsityInAHook() {
    Variable<TFloat32> w = variable("w", oneTo(16), 4, 4);
    PruningHook hook =
        PruningHook.builder(tf)
            .prune(w, PruningSpec.of(ConstantSparsity.of(0.5, 0)).withBlock(1, 4, BlockPooling.MAX))
            .build();
    session().run(hook.update());
    assertThat(fetchFloats(session(), hook.weight(w).masked(tf)))
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 9, 10, 11, 12, 13, 14, 15, 16);
  }

  @Test
  void oneSharedStepAdvancesOncePerTrainingStepAndSummariesReportEachWeight() {
    Variable<TFloat32> a = variable("a", oneTo(10), 10);
    Variable<TFloat32> b = variable("layer/b", oneTo(4), 2, 2);
    PruningHook hook =
        PruningHook.builder(tf)
            .prune(a, PruningSpec.of(ConstantSparsity.of(0.3, 0)))
            .prune(b, PruningSpec.of(ConstantSparsity.of(0.5, 0)))
            .build();
    for (int i = 0; i < 3; i++) {
      session().run(hook.update());
    }
    assertThat(fetchLong(session(), hook.step().read(tf))).isEqualTo(3);
    Map<String, Operand<TFloat32>> summaries = hook.summaries();
    assertThat(summaries).containsOnlyKeys("a/sparsity", "a/threshold", "layer/b/sparsity", "layer/b/threshold");
    assertThat(fetchFloat(session(), summaries.get("a/sparsity"))).isCloseTo(0.3f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(fetchFloat(session(), summaries.get("a/threshold"))).isEqualTo(4f);
    assertThat(fetchFloat(session(), summaries.get("layer/b/sparsity"))).isEqualTo(0.5f);
    assertThat(fetchFloat(session(), summaries.get("layer/b/threshold"))).isEqualTo(3f);
  }

  @Test
  void graphDoesNotGrowWithTheNumberOfSteps() {
    Variable<TFloat32> w = variable("w", randomWeights(256, 3), 16, 16);
    PruningHook hook =
        PruningHook.builder(tf).prune(w, PruningSpec.of(PolynomialDecay.of(0.2, 0.9, 0, 50, 3, 5))).build();
    Operand<TFloat32> read = hook.read(w);
    int opsAfterBuild = countOps();
    for (int i = 0; i < 100; i++) {
      try (Result r = session().runner().fetch(read).run()) {
        assertThat(r.size()).isEqualTo(1);
      }
      assertThat(hook.read(w)).isSameAs(read);
    }
    assertThat(countOps()).isEqualTo(opsAfterBuild);
    assertThat(fetchLong(session(), hook.step().read(tf))).isEqualTo(100);
  }

  private int countOps() {
    int n = 0;
    var it = graph.operations();
    while (it.hasNext()) {
      it.next();
      n++;
    }
    return n;
  }

  /**
   * The "existing training loop" case: a hand-written linear regression, pruned by reading its kernel
   * through the hook. The step advances with each training step, and the final sparsity is exact.
   */
  @Test
  void prunesAHandWrittenTrainingLoopToTheExactTarget() {
    int in = 16;
    int out = 4;
    Random random = new Random(5);
    float[] trueKernel = randomWeights(in * out, 6);
    float[] xs = new float[64 * in];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) random.nextGaussian();
    }
    Variable<TFloat32> kernel = variable("kernel", new float[in * out], in, out);
    try (TFloat32 xT = TFloat32.tensorOf(Shape.of(64, in), DataBuffers.of(xs, true, false));
        TFloat32 kT = TFloat32.tensorOf(Shape.of(in, out), DataBuffers.of(trueKernel, true, false))) {
      Operand<TFloat32> x = tf.constant(xT);
      Operand<TFloat32> y = tf.linalg.matMul(x, tf.constant(kT));
      PruningHook pruning =
          PruningHook.builder(tf)
              .prune(kernel, PruningSpec.of(PolynomialDecay.of(0.0, 0.75, 0, 100, 3, 10)))
              .build();
      Operand<TFloat32> k = pruning.read(kernel);
      Operand<TFloat32> diff = tf.math.sub(tf.linalg.matMul(x, k), y);
      Operand<TFloat32> loss = tf.math.mean(tf.math.mul(diff, diff), tf.constant(new int[] {0, 1}));
      Output<?> grad = graph.addGradients(loss.asOutput(), new Output<?>[] {k.asOutput()})[0];
      @SuppressWarnings("unchecked")
      Op train = tf.train.applyGradientDescent(kernel, tf.constant(0.05f), (Operand<TFloat32>) grad);

      float firstLoss = 0;
      float lastLoss = 0;
      for (int step = 0; step < 150; step++) {
        try (Result r = session().runner().addTarget(train).fetch(loss).run()) {
          lastLoss = ((TFloat32) r.get(0)).getFloat();
          if (step == 0) {
            firstLoss = lastLoss;
          }
        }
      }
      session().run(pruning.strip());
      assertThat(fetchLong(session(), pruning.step().read(tf))).isEqualTo(150);
      assertThat(lastLoss).isLessThan(firstLoss / 2);
      float[] stripped = fetchFloats(session(), tf.identity(kernel));
      assertThat(Measurements.sparsity(stripped)).isEqualTo(0.75);
      // The survivors are the largest true weights' positions: the model learned what it kept.
      assertThat(fetchFloat(session(), Measurements.sparsity(tf, tf.identity(pruning.weight(kernel).mask()))))
          .isEqualTo(0.75f);
    }
  }

  @Test
  void badInputFailsWithClearMessages() {
    Variable<TFloat32> conv = variable("conv", new float[3 * 3 * 2 * 2], 3, 3, 2, 2);
    Variable<TFloat32> other = variable("other", new float[4], 4);
    assertThatThrownBy(
            () -> PruningHook.builder(tf)
                .prune(conv, PruningSpec.of(ConstantSparsity.of(0.5, 0)).withBlock(2, 2, BlockPooling.AVG)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs rank-2 weights")
        .hasMessageContaining("[3, 3, 2, 2]");
    assertThatThrownBy(
            () -> PruningHook.builder(tf)
                .prune(other, PruningSpec.of(ConstantSparsity.of(0.5, 0)))
                .prune(other, PruningSpec.of(ConstantSparsity.of(0.5, 0))))
        .hasMessage("weight 'other' is already pruned by this hook");
    assertThatThrownBy(() -> PruningHook.builder(tf).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at least one weight");
    PruningHook hook = PruningHook.builder(tf).prune(other, PruningSpec.of(ConstantSparsity.of(0.5, 0))).build();
    assertThatThrownBy(() -> hook.read(conv)).hasMessage("variable 'conv' is not pruned by this hook; pruned: [other]");
    assertThatThrownBy(() -> PruningSpec.of(null)).isInstanceOf(NullPointerException.class).hasMessage("schedule");
    assertThat(PruningSpec.of(ConstantSparsity.of(0.5, 0)).withStrategy(MaskStrategy.mByN(2, 4)).strategy())
        .isEqualTo(MaskStrategy.mByN(2, 4));
  }

  @Test
  void hooksNeedGraphExecution() {
    try (EagerSession eager = EagerSession.create()) {
      assertThatThrownBy(() -> PruningHook.builder(Ops.create(eager)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("a pruning hook needs graph execution");
    }
  }

  static float[] randomWeights(int n, long seed) {
    Random random = new Random(seed);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) random.nextGaussian();
    }
    return w;
  }
}
