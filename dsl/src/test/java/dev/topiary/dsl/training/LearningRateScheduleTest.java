package dev.topiary.dsl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.training.schedules.CosineDecay;
import dev.topiary.dsl.training.schedules.ExponentialDecay;
import dev.topiary.dsl.training.schedules.LearningRateSchedule;
import dev.topiary.dsl.training.schedules.PiecewiseConstant;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Learning-rate schedules: Keras' formulas, Java = ops, and where the training step reads them. */
class LearningRateScheduleTest {
  private static final double EPS = 1e-12;

  @Test
  void exponentialDecayFollowsKerasFormula() {
    // initial * rate ^ (step / decaySteps), floored exponent with staircase.
    ExponentialDecay smooth = new ExponentialDecay(0.1, 10, 0.5, false);
    assertThat(smooth.at(0)).isCloseTo(0.1, within(EPS));
    assertThat(smooth.at(5)).isCloseTo(0.1 * Math.sqrt(0.5), within(EPS));
    assertThat(smooth.at(10)).isCloseTo(0.05, within(EPS));
    assertThat(smooth.at(20)).isCloseTo(0.025, within(EPS));
    ExponentialDecay stairs = new ExponentialDecay(0.1, 10, 0.5, true);
    assertThat(stairs.at(9)).isCloseTo(0.1, within(EPS));
    assertThat(stairs.at(15)).isCloseTo(0.05, within(EPS));
    assertThat(stairs.at(29)).isCloseTo(0.025, within(EPS));
  }

  @Test
  void cosineDecayFollowsKerasFormula() {
    CosineDecay plain = CosineDecay.of(1.0, 100);
    assertThat(plain.at(0)).isCloseTo(1.0, within(EPS));
    assertThat(plain.at(25)).isCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), within(EPS));
    assertThat(plain.at(50)).isCloseTo(0.5, within(EPS));
    assertThat(plain.at(100)).isCloseTo(0.0, within(EPS));
    assertThat(plain.at(1000)).isCloseTo(0.0, within(EPS));
    CosineDecay floor = CosineDecay.of(2.0, 100, 0.1);
    assertThat(floor.at(50)).isCloseTo(2.0 * (0.9 * 0.5 + 0.1), within(EPS));
    assertThat(floor.at(500)).isCloseTo(0.2, within(EPS));
    // Warmup from 0 to 1 over 10 steps, then cosine from 1 over 100.
    CosineDecay warm = CosineDecay.withWarmup(0.0, 100, 0.0, 1.0, 10);
    assertThat(warm.at(0)).isCloseTo(0.0, within(EPS));
    assertThat(warm.at(5)).isCloseTo(0.5, within(EPS));
    assertThat(warm.at(9)).isCloseTo(0.9, within(EPS));
    assertThat(warm.at(10)).isCloseTo(1.0, within(EPS));
    assertThat(warm.at(60)).isCloseTo(0.5, within(EPS));
    assertThat(warm.at(110)).isCloseTo(0.0, within(EPS));
    assertThat(warm.at(5000)).isCloseTo(0.0, within(EPS));
    // No warmup steps: the decay starts from the warmup target at once.
    assertThat(CosineDecay.withWarmup(0.5, 100, 0.0, 1.0, 0).at(0)).isCloseTo(1.0, within(EPS));
  }

  @Test
  void piecewiseConstantFollowsKerasBoundaries() {
    PiecewiseConstant p = new PiecewiseConstant(new long[] {10, 20}, new double[] {1.0, 0.5, 0.1});
    assertThat(p.at(0)).isEqualTo(1.0);
    assertThat(p.at(10)).isEqualTo(1.0);
    assertThat(p.at(11)).isEqualTo(0.5);
    assertThat(p.at(20)).isEqualTo(0.5);
    assertThat(p.at(21)).isEqualTo(0.1);
    assertThat(p.at(1_000_000)).isEqualTo(0.1);
  }

  @Test
  void badSettingsFailClearly() {
    assertThatThrownBy(() -> new ExponentialDecay(0.1, 0, 0.5, false)).hasMessageContaining("decay steps must be > 0");
    assertThatThrownBy(() -> CosineDecay.of(0.1, -1)).hasMessageContaining("decay steps must be > 0");
    assertThatThrownBy(() -> new PiecewiseConstant(new long[] {5, 5}, new double[] {1, 2, 3}))
        .hasMessageContaining("increase strictly");
    assertThatThrownBy(() -> new PiecewiseConstant(new long[] {5}, new double[] {1}))
        .hasMessageContaining("one more value than boundaries");
  }

  @Test
  void opsEqualJavaInFloat32() {
    List<LearningRateSchedule> schedules = List.of(new ExponentialDecay(0.1, 7, 0.93, false),
        new ExponentialDecay(0.3, 7, 0.9, true), CosineDecay.of(0.01, 333, 0.05),
        CosineDecay.withWarmup(0.0, 500, 0.1, 0.02, 37), CosineDecay.withWarmup(0.5, 50, 0.0, 1.0, 0),
        new PiecewiseConstant(new long[] {3, 100, 1000}, new double[] {0.3, 0.2, 0.1, 0.05}));
    long[] steps = {0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 36, 37, 38, 99, 100, 101, 250, 333, 536, 537, 999, 1000, 1001, 123456};
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TInt64> step = tf.placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      for (LearningRateSchedule s : schedules) {
        Operand<TFloat32> rate = s.at(tf, step);
        for (long st : steps) {
          try (TInt64 fed = TInt64.scalarOf(st); Result r = session.runner().feed(step, fed).fetch(rate).run()) {
            assertThat(((TFloat32) r.get(0)).getFloat()).as(s + " at " + st).isEqualTo((float) s.at(st));
          }
        }
      }
    }
  }

  @Test
  void schedulesRoundTripInCompileSettings() {
    for (Optimizer o : List.of(Optimizer.adam(new ExponentialDecay(0.1, 10, 0.9, true)),
        Optimizer.sgd(CosineDecay.withWarmup(0, 10, 0.1, 0.5, 3), 0.9f, true), Optimizer.sgd(CosineDecay.of(0.1, 10)),
        Optimizer.rmsProp(new PiecewiseConstant(new long[] {1, 2}, new double[] {0.3, 0.2, 0.1})), Optimizer.adam(0.01f))) {
      Compile c = Compile.of(o, Loss.meanSquaredError());
      Settings written = TrainingRegistry.writeCompile(c);
      assertThat(TrainingRegistry.readCompile(new Settings("c.json", written.asMap()))).isEqualTo(c);
    }
    assertThat(TrainingRegistry.writeOptimizer(Optimizer.adam(new ExponentialDecay(0.1, 10, 0.9, true))).asMap()
        .get("learning_rate")).isEqualTo(Map.of("type", "ExponentialDecay", "initial_learning_rate", 0.1,
        "decay_steps", 10L, "decay_rate", 0.9, "staircase", true));
  }

  // ---- in the training step ---------------------------------------------------------------------

  private static ModelSpec mlp(boolean pruned) {
    Dense out = Dense.of(3);
    return Sequential.of(Input.of(6), Dense.of(8).activation(Activation.RELU),
        pruned ? out.prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 1))) : out);
  }

  private static HostArray[] data(int n) {
    Random r = new Random(5);
    float[] x = new float[n * 6];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
      for (int j = 0; j < 6; j++) {
        x[i * 6 + j] = (float) r.nextGaussian() + (j % 3 == y[i] ? 2f : 0f);
      }
    }
    return new HostArray[] {HostArray.of(x, n, 6), HostArray.ofLabels(y)};
  }

  /** One step per epoch: 16 examples, batch 16, in order. */
  private static Fit steps(int n) {
    return Fit.ofEpochs(n).batchSize(16).shuffle(false).progress(ProgressSink.silent());
  }

  private static Compile compile(Optimizer o) {
    return Compile.of(o, Loss.sparseCategoricalCrossentropy(true)).seed(7);
  }

  private static Snapshot modelState(Model m) {
    return m.snapshot().filter(n -> !StateContract.isOptimizerState(n));
  }

  @Test
  void eachUpdateUsesTheScheduleAtTheStepsCompletedBeforeIt() {
    HostArray[] d = data(16);
    for (boolean pruned : new boolean[] {false, true}) {
      for (float momentum : new float[] {0f, 0.9f}) {
        // 0.1 for the update of step 0, 0.5 from step 1 on.
        PiecewiseConstant schedule = new PiecewiseConstant(new long[] {0}, new double[] {0.1, 0.5});
        try (Model scheduled = mlp(pruned).compile(compile(Optimizer.sgd(schedule, momentum, false)));
            Model constant = mlp(pruned).compile(compile(Optimizer.sgd(0.1f, momentum, false)));
            Model wrong = mlp(pruned).compile(compile(Optimizer.sgd(0.5f, momentum, false)))) {
          assertThat(scheduled.snapshot().names()).doesNotContain(StateContract.LEARNING_RATE);
          assertThat(constant.snapshot().get(StateContract.LEARNING_RATE).floats()).containsExactly(0.1f);
          scheduled.fit(d[0], d[1], steps(1));
          constant.fit(d[0], d[1], steps(1));
          wrong.fit(d[0], d[1], steps(1));
          assertThat(modelState(scheduled)).as("pruned=" + pruned).isEqualTo(modelState(constant));
          assertThat(modelState(scheduled)).isNotEqualTo(modelState(wrong));
          // The second update uses 0.5: set the constant model's rate variable to 0.5 and step again.
          constant.restore(constant.snapshot().with(new Snapshot(
              Map.of(StateContract.LEARNING_RATE, HostArray.ofFloats(new float[] {0.5f})))));
          scheduled.fit(d[0], d[1], steps(1));
          constant.fit(d[0], d[1], steps(1));
          assertThat(scheduled.step()).isEqualTo(2);
          assertThat(modelState(scheduled)).as("pruned=" + pruned).isEqualTo(modelState(constant));
        }
      }
    }
  }

  @Test
  void adamWithAScheduleTrainsAndEqualsConstantAdamWhileTheScheduleIsFlat() {
    HostArray[] d = data(16);
    LearningRateSchedule flat = new PiecewiseConstant(new long[] {1000}, new double[] {0.01f, 0.001});
    try (Model scheduled = mlp(true).compile(compile(Optimizer.adam(flat)));
        Model constant = mlp(true).compile(compile(Optimizer.adam(0.01f)))) {
      History a = scheduled.fit(d[0], d[1], steps(5));
      History b = constant.fit(d[0], d[1], steps(5));
      assertThat(a).isEqualTo(b);
      assertThat(scheduled.snapshot().filter(n -> !n.equals(StateContract.LEARNING_RATE)))
          .isEqualTo(constant.snapshot().filter(n -> !n.equals(StateContract.LEARNING_RATE)));
    }
  }

  /** A user optimizer on the base's learning rate: {@code update.learningRate()}, variable or schedule. */
  static final class MySgd extends Optimizer {
    MySgd(float rate) {
      super("my_sgd", rate);
    }

    MySgd(LearningRateSchedule schedule) {
      super("my_sgd", schedule);
    }

    MySgd() {
      super("my_sgd");
    }

    @Override
    protected org.tensorflow.op.Op applyDense(OptimizerUpdate update, Gradient g) {
      return update.tf().train.applyGradientDescent(g.variable(), update.learningRate(), g.gradient());
    }
  }

  @Test
  void userOptimizersGetTheRateFromTheBase() {
    HostArray[] d = data(16);
    try (Model mine = mlp(true).compile(compile(new MySgd(0.1f)));
        Model builtIn = mlp(true).compile(compile(Optimizer.sgd(0.1f)));
        Model scheduled = mlp(true).compile(compile(new MySgd(new ExponentialDecay(0.1, 1, 0.5, false))));
        Model halved = mlp(true).compile(compile(Optimizer.sgd(new ExponentialDecay(0.1, 1, 0.5, false))))) {
      mine.fit(d[0], d[1], steps(3));
      builtIn.fit(d[0], d[1], steps(3));
      scheduled.fit(d[0], d[1], steps(3));
      halved.fit(d[0], d[1], steps(3));
      assertThat(mine.snapshot()).isEqualTo(builtIn.snapshot());
      assertThat(scheduled.snapshot()).isEqualTo(halved.snapshot());
      assertThat(mine.snapshot().names()).contains(StateContract.LEARNING_RATE);
    }
    assertThatThrownBy(() -> mlp(false).compile(compile(new MySgd())).close())
        .hasMessageContaining("my_sgd: no learning rate is managed by the Optimizer base");
  }

  @Test
  void aScheduleNeedsTheStep() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      assertThatThrownBy(() -> Optimizer.adam(CosineDecay.of(0.1, 10)).apply(tf, List.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs the step");
    }
  }
}
