package dev.topiary.ops;

import static dev.topiary.ops.TestTensors.fetchFloat;
import static dev.topiary.ops.TestTensors.fetchFloats;
import static dev.topiary.ops.TestTensors.fetchLong;
import static dev.topiary.ops.TestTensors.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.mask.MaskResult;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

class GlobalPruningTest {
  private static final List<long[]> SHAPES = List.of(new long[] {3, 3, 1, 12}, new long[] {1690, 10},
      new long[] {20, 10}, new long[] {7}, new long[] {4, 4});

  /** The reference's rounding over the group total, computed here independently (BigDecimal half-even). */
  private static long expectedKept(long total, double sparsity) {
    float real = (float) total * (1f - (float) sparsity);
    long k = new BigDecimal(real).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    return Math.max(k, 1);
  }

  private static List<float[]> randomWeights(long seed, List<long[]> shapes, float... scales) {
    Random random = new Random(seed);
    List<float[]> out = new ArrayList<>();
    for (int j = 0; j < shapes.size(); j++) {
      long size = 1;
      for (long d : shapes.get(j)) {
        size *= d;
      }
      float[] w = new float[(int) size];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) random.nextGaussian() * scales[j % scales.length];
      }
      out.add(w);
    }
    return out;
  }

  private static int kept(List<HostMask> masks) {
    return masks.stream().mapToInt(HostMask::keptCount).sum();
  }

  private static int zeros(float[] mask) {
    int z = 0;
    for (float m : mask) {
      z += m == 0f ? 1 : 0;
    }
    return z;
  }

  private static Operand<TFloat32> constant(Ops tf, float[] values, long[] shape) {
    try (TFloat32 t = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false))) {
      return tf.constant(t);
    }
  }

  static List<HostMask> graph(GlobalPruningSpec spec, List<float[]> weights, List<long[]> shapes, float sparsity) {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>> in = new ArrayList<>();
      for (int j = 0; j < weights.size(); j++) {
        in.add(constant(tf, weights.get(j), shapes.get(j)));
      }
      List<MaskResult> results = GlobalMagnitude.ops(tf, spec, in, tf.constant(sparsity));
      List<HostMask> out = new ArrayList<>();
      for (int j = 0; j < results.size(); j++) {
        try (Result r = session.runner().fetch(results.get(j).mask()).fetch(results.get(j).threshold()).run()) {
          out.add(new HostMask(floats(r.get(0)), shapes.get(j), floats(r.get(1))[0]));
        }
      }
      return out;
    }
  }

  static List<HostMask> eager(GlobalPruningSpec spec, List<float[]> weights, List<long[]> shapes, float sparsity) {
    try (EagerSession session = EagerSession.create()) {
      Ops tf = Ops.create(session);
      List<Operand<TFloat32>> in = new ArrayList<>();
      for (int j = 0; j < weights.size(); j++) {
        in.add(constant(tf, weights.get(j), shapes.get(j)));
      }
      List<MaskResult> results = GlobalMagnitude.ops(tf, spec, in, tf.constant(sparsity));
      List<HostMask> out = new ArrayList<>();
      for (int j = 0; j < results.size(); j++) {
        assertThat(results.get(j).mask().shape()).isEqualTo(Shape.of(shapes.get(j)));
        out.add(new HostMask(floats(results.get(j).mask()), shapes.get(j), floats(results.get(j).threshold())[0]));
      }
      return out;
    }
  }

  /** Java, after checking that graph and eager ops give the very same masks and thresholds. */
  static List<HostMask> all(GlobalPruningSpec spec, List<float[]> weights, List<long[]> shapes, float sparsity) {
    List<HostMask> java = GlobalMagnitude.host(spec, weights, shapes, sparsity);
    assertThat(graph(spec, weights, shapes, sparsity)).as("graph vs Java").isEqualTo(java);
    assertThat(eager(spec, weights, shapes, sparsity)).as("eager vs Java").isEqualTo(java);
    return java;
  }

  @Test
  void theGroupKeepsExactlyItsTotalOnRandomWeightsAndJavaEagerGraphAgree() {
    long total = 3 * 3 * 12 + 16900 + 200 + 7 + 16;
    GlobalPruningSpec spec = GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0));
    int seed = 0;
    for (double s : new double[] {0, 0.3, 0.5, 0.85, 0.9, 0.95, 0.999, 0.99999}) {
      for (GlobalPruningSpec variant : List.of(spec, spec.normalizedBy(GlobalPruningSpec.Normalization.MAX_ABS),
          spec.normalizedBy(GlobalPruningSpec.Normalization.RMS), spec.keepAtLeast(3), spec.atMostSparsity(0.98).keepAtLeast(2))) {
        long floors = SHAPES.stream().mapToLong(sh -> variant.floor(java.util.Arrays.stream(sh).reduce(1, (a, b) -> a * b))).sum();
        if (floors > expectedKept(total, s)) {
          continue; // the floors need more than the group keeps
        }
        List<float[]> w = randomWeights(seed++, SHAPES, 1f, 0.05f, 0.3f, 2f, 1e-3f);
        List<HostMask> masks = all(variant, w, SHAPES, (float) s);
        int zeros = masks.stream().mapToInt(m -> zeros(m.mask())).sum();
        assertThat(total - zeros).as("kept at " + s + " " + variant).isEqualTo(expectedKept(total, s));
      }
    }
  }

  @Test
  void roundingFollowsTheReferenceRuleOverTheTotal() {
    // 10 weights at 0.85: float32(10) * float32(0.15) = 1.4999998 -> 1; 5 + 10 at 0.5 = 7.5 -> 8 (half to even).
    GlobalPruningSpec spec = GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0));
    List<long[]> shapes = List.of(new long[] {4}, new long[] {6});
    assertThat(kept(all(spec, randomWeights(1, shapes, 1f), shapes, 0.85f))).isEqualTo(1);
    List<long[]> fifteen = List.of(new long[] {5}, new long[] {10});
    assertThat(kept(all(spec, randomWeights(2, fifteen, 1f), fifteen, 0.5f))).isEqualTo(8);
    List<long[]> five = List.of(new long[] {2}, new long[] {3});
    assertThat(kept(all(spec, randomWeights(3, five, 1f), five, 0.5f))).isEqualTo(2); // 2.5 -> 2
    assertThat(kept(all(spec, randomWeights(4, five, 1f), five, 0.9999f))).isEqualTo(1); // at least one
  }

  @Test
  void tiesAreBrokenByPositionSoTheTotalIsExact() {
    GlobalPruningSpec spec = GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0));
    List<long[]> shapes = List.of(new long[] {2, 3}, new long[] {4});
    List<float[]> w = List.of(new float[] {1, -1, 1, 1, 1, -1}, new float[] {1, 1, 1, 1});
    List<HostMask> masks = all(spec, w, shapes, 0.5f);
    assertThat(masks.get(0).mask()).containsExactly(1, 1, 1, 1, 1, 0);
    assertThat(masks.get(1).mask()).containsExactly(0, 0, 0, 0);
    assertThat(masks.get(0).threshold()).isEqualTo(1f);
    assertThat(masks.get(1).threshold()).isEqualTo(Float.POSITIVE_INFINITY);
    // Mixed: 3 values above the cut, ties at the cut taken in order across tensors.
    List<float[]> mixed = List.of(new float[] {2, 0.5f, 1, 3, 0.5f, 1}, new float[] {1, 5, 0, 1});
    List<HostMask> m = all(spec, mixed, shapes, 0.5f);
    assertThat(m.get(0).mask()).containsExactly(1, 0, 1, 1, 0, 1);
    assertThat(m.get(1).mask()).containsExactly(0, 1, 0, 0);
  }

  @Test
  void aLayerWithLargerWeightsKeepsMore() {
    GlobalPruningSpec spec = GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0));
    List<long[]> shapes = List.of(new long[] {100, 10}, new long[] {100, 10}, new long[] {100, 10});
    List<HostMask> masks = all(spec, randomWeights(5, shapes, 1f, 0.5f, 0.1f), shapes, 0.9f);
    assertThat(kept(masks)).isEqualTo(300);
    assertThat(masks.get(0).sparsity()).isLessThan(masks.get(1).sparsity());
    assertThat(masks.get(1).sparsity()).isLessThan(masks.get(2).sparsity());
    assertThat(masks.get(2).sparsity()).isGreaterThan(0.99);
    // Normalised by each tensor's largest magnitude, the same draws come out at similar sparsities.
    List<HostMask> normalised = all(spec.normalizedBy(GlobalPruningSpec.Normalization.MAX_ABS),
        randomWeights(5, shapes, 1f, 0.5f, 0.1f), shapes, 0.9f);
    assertThat(kept(normalised)).isEqualTo(300);
    for (HostMask mask : normalised) {
      assertThat(mask.sparsity()).isBetween(0.8, 0.97);
    }
  }

  @Test
  void rmsNormalisationRanksByEachTensorsTypicalScale() {
    // By hand: rms(a) = sqrt(12.5) = 3.536, scores 0.849 and 1.131; rms(b) = sqrt(0.14 / 3) = 0.216,
    // scores 1.389, 0.463, 0.926. Keep rint(5 * 0.4) = 2: b's 0.3 and a's 4 (raw magnitudes: a's 3 and 4).
    GlobalPruningSpec spec = GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0));
    List<long[]> shapes = List.of(new long[] {2}, new long[] {3});
    List<float[]> w = List.of(new float[] {3f, -4f}, new float[] {0.3f, -0.1f, 0.2f});
    List<HostMask> rms = all(spec.normalizedBy(GlobalPruningSpec.Normalization.RMS), w, shapes, 0.6f);
    assertThat(rms.get(0).mask()).containsExactly(0, 1);
    assertThat(rms.get(1).mask()).containsExactly(1, 0, 0);
    List<HostMask> raw = all(spec, w, shapes, 0.6f);
    assertThat(raw.get(0).mask()).containsExactly(1, 1);
    // An all-zero tensor scales by 1 (no division by zero): its zeros rank last.
    List<HostMask> zero = all(spec.normalizedBy(GlobalPruningSpec.Normalization.RMS),
        List.of(new float[] {0f, 0f}, new float[] {0.3f, -0.1f, 0.2f}), shapes, 0.6f);
    assertThat(zero.get(0).keptCount()).isZero();
  }

  @Test
  void floorsHoldAndTheTotalStaysExact() {
    List<long[]> shapes = List.of(new long[] {3, 3, 1, 12}, new long[] {1690, 10});
    List<float[]> w = randomWeights(6, shapes, 1e-3f, 1f); // the conv's weights are all smaller
    GlobalPruningSpec plain = GlobalPruningSpec.of(ConstantSparsity.of(0.95, 0));
    List<HostMask> wiped = all(plain, w, shapes, 0.95f);
    assertThat(wiped.get(0).keptCount()).isZero();
    long k = expectedKept(108 + 16900, 0.95);

    List<HostMask> atLeast = all(plain.keepAtLeast(20), w, shapes, 0.95f);
    assertThat(atLeast.get(0).keptCount()).isEqualTo(20);
    assertThat(kept(atLeast)).isEqualTo(k);

    assertThat(all(plain, w, shapes, 0.8f).get(0).keptCount()).isZero();
    List<HostMask> atMost = all(plain.atMostSparsity(0.9), w, shapes, 0.8f);
    assertThat(atMost.get(0).keptCount()).isEqualTo(11); // rint(108 * 0.1 = 10.8) = 11
    assertThat(atMost.get(1).keptCount()).isGreaterThanOrEqualTo(1690);
    assertThat(kept(atMost)).isEqualTo(expectedKept(108 + 16900, 0.8));
    // The floor keeps the tensor's own largest magnitudes.
    float[] conv = w.get(0);
    float smallestKept = Float.MAX_VALUE;
    float largestPruned = 0;
    float[] mask = atMost.get(0).mask();
    for (int i = 0; i < conv.length; i++) {
      if (mask[i] != 0) {
        smallestKept = Math.min(smallestKept, Math.abs(conv[i]));
      } else {
        largestPruned = Math.max(largestPruned, Math.abs(conv[i]));
      }
    }
    assertThat(smallestKept).isGreaterThan(largestPruned).isEqualTo(atMost.get(0).threshold());
    // A floor above what the tensor holds keeps all of it.
    List<long[]> small = List.of(new long[] {7}, new long[] {1000});
    List<HostMask> all = all(plain.keepAtLeast(50), randomWeights(7, small, 1e-3f, 1f), small, 0.9f);
    assertThat(all.get(0).keptCount()).isEqualTo(7);
    assertThat(kept(all)).isEqualTo(expectedKept(1007, 0.9));
  }

  @Test
  void infeasibleFloorsFailAtDefinition() {
    GlobalPruningSpec spec = GlobalPruningSpec.of(PolynomialDecay.of(0.5, 0.95, 0, 100)).keepAtLeast(30);
    assertThatThrownBy(() -> spec.validate(new long[] {100, 100, 100}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floors keep 90").hasMessageContaining("15 of 300");
    spec.validate(new long[] {100, 2000});
    assertThatThrownBy(() -> GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0)).keepAtLeast(-1))
        .hasMessageContaining("keepAtLeast");
    assertThatThrownBy(() -> GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0)).named("a b")).hasMessageContaining("name");
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> a = tf.withName("a").variable(tf.zeros(tf.constant(new long[] {10, 10}), TFloat32.class));
      Variable<TFloat32> b = tf.withName("b").variable(tf.zeros(tf.constant(new long[] {10, 10}), TFloat32.class));
      assertThatThrownBy(() -> PruningHook.builder(tf).pruneGlobally(List.of(a, b), spec))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floors");
      assertThatThrownBy(() -> PruningHook.builder(tf).prune(a, PruningSpec.of(ConstantSparsity.of(0.5, 0)))
          .pruneGlobally(List.of(a, b), GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0))))
          .hasMessageContaining("already pruned");
    }
  }

  @Test
  void theHookPrunesTheGroupOnScheduledStepsWithThePerWeightStateNames() {
    List<long[]> shapes = List.of(new long[] {3, 3, 1, 4}, new long[] {50, 10}, new long[] {9});
    List<float[]> w0 = randomWeights(8, shapes, 0.2f, 1f, 3f);
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Variable<TFloat32>> vars = new ArrayList<>();
      for (int j = 0; j < shapes.size(); j++) {
        vars.add(tf.withName("w" + j).variable(constant(tf, w0.get(j), shapes.get(j))));
      }
      Variable<TFloat32> other = tf.withName("other").variable(constant(tf, TestTensors.oneTo(8), new long[] {8}));
      GlobalPruningSpec spec = GlobalPruningSpec.of(PolynomialDecay.of(0.5, 0.9, 1, 5, 3, 2)).keepAtLeast(2);
      PruningHook hook = PruningHook.builder(tf)
          .prune(other, PruningSpec.of(ConstantSparsity.of(0.5, 0)))
          .pruneGlobally(vars, spec)
          .build();
      assertThat(hook.weights()).extracting(PrunedWeight::name).containsExactly("other", "w0", "w1", "w2");
      for (Variable<TFloat32> v : vars) {
        PrunedWeight pw = hook.weight(v);
        assertThat(pw.mask().op().name()).isEqualTo(PruningState.maskName(v.op().name()));
        assertThat(pw.threshold().op().name()).isEqualTo(PruningState.thresholdName(v.op().name()));
        assertThat(pw.maskUpdates().op().name()).isEqualTo(PruningState.updatesName(v.op().name()));
        assertThat(pw.spec()).isEqualTo(spec.memberSpec());
      }
      session.run(hook.update()); // step 0: before begin
      assertThat(fetchLong(session, tf.identity(hook.weight(vars.get(0)).maskUpdates()))).isZero();
      assertThat(fetchFloats(session, tf.identity(hook.weight(vars.get(1)).mask()))).containsOnly(1f);
      session.run(hook.update()); // step 1: first update at 0.5
      List<float[]> current = new ArrayList<>();
      for (Variable<TFloat32> v : vars) {
        current.add(fetchFloats(session, tf.identity(v)));
      }
      List<HostMask> expected = GlobalMagnitude.host(spec, current, shapes, spec.schedule().at(1).sparsity());
      for (int j = 0; j < vars.size(); j++) {
        PrunedWeight pw = hook.weight(vars.get(j));
        assertThat(fetchFloats(session, tf.identity(pw.mask()))).containsExactly(expected.get(j).mask());
        assertThat(fetchFloat(session, pw.currentThreshold(tf))).isEqualTo(expected.get(j).threshold());
        assertThat(fetchLong(session, tf.identity(pw.maskUpdates()))).isEqualTo(1);
      }
      for (int step = 2; step <= 5; step++) {
        session.run(hook.update());
      }
      // Step 5 (= end) updated the masks at the final 0.9: float32 545 * (1 - 0.9) = 54.500015 -> 55 kept.
      int keptTotal = 0;
      for (Variable<TFloat32> v : vars) {
        float[] mask = fetchFloats(session, tf.identity(hook.weight(v).mask()));
        keptTotal += mask.length - zeros(mask);
        assertThat(mask.length - zeros(mask)).isGreaterThanOrEqualTo(2);
        assertThat(fetchLong(session, tf.identity(hook.weight(v).maskUpdates()))).isEqualTo(3);
      }
      assertThat(keptTotal).isEqualTo(expectedKept(545, 0.9)).isEqualTo(55);
      session.run(hook.strip());
      int nonZero = 0;
      for (Variable<TFloat32> v : vars) {
        float[] values = fetchFloats(session, tf.identity(v));
        nonZero += values.length - zeros(values);
      }
      assertThat(nonZero).isEqualTo(55);
    }
  }
}
