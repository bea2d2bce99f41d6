package dev.topiary.ops.schedule;

import static dev.topiary.ops.TestTensors.booleans;
import static dev.topiary.ops.TestTensors.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

class ScheduleTest {
  private static EagerSession eager;
  private static Ops tf;

  @BeforeAll
  static void openEager() {
    eager = EagerSession.create();
    tf = Ops.create(eager);
  }

  @AfterAll
  static void closeEager() {
    eager.close();
  }

  @Test
  void polynomialDecayMatchesTheReferenceExample() {
    PolynomialDecay s = PolynomialDecay.of(0.2, 0.8, 100, 110, 3, 1);
    // float32 arithmetic, as the reference: (0.2 - 0.8) * 1 + 0.8 rounds to 0.19999999.
    assertThat(s.at(100).sparsity()).isCloseTo(0.2f, org.assertj.core.data.Offset.offset(1e-7f));
    assertThat(s.at(102).sparsity()).isCloseTo(0.4928f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(s.at(105).sparsity()).isCloseTo(0.725f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(s.at(110).sparsity()).isEqualTo(0.8f);
    // Before begin and after end the curve is clamped.
    assertThat(s.at(0).sparsity()).isEqualTo(s.at(100).sparsity());
    assertThat(s.at(500).sparsity()).isEqualTo(0.8f);
  }

  @Test
  void gateFollowsBeginEndAndFrequency() {
    ConstantSparsity s = ConstantSparsity.of(0.5, 3, 11, 4);
    long[] pruned = LongStream.range(0, 20).filter(step -> s.at(step).shouldPrune()).toArray();
    assertThat(pruned).containsExactly(3, 7, 11);
    assertThat(s.at(5).sparsity()).isEqualTo(0.5f);

    ConstantSparsity noEnd = ConstantSparsity.of(0.5, 0).withFrequency(100);
    assertThat(noEnd.at(0).shouldPrune()).isTrue();
    assertThat(noEnd.at(99).shouldPrune()).isFalse();
    assertThat(noEnd.at(1_000_000).shouldPrune()).isTrue();
  }

  @Test
  void defaultsMatchTheReference() {
    assertThat(ConstantSparsity.of(0.5, 0).endStep()).isEqualTo(-1);
    assertThat(ConstantSparsity.of(0.5, 0).frequency()).isEqualTo(100);
    PolynomialDecay p = PolynomialDecay.of(0.5, 0.8, 0, 1000);
    assertThat(p.power()).isEqualTo(3.0);
    assertThat(p.frequency()).isEqualTo(100);
  }

  @Test
  void decreasingCurvesAreAllowed() {
    PolynomialDecay down = PolynomialDecay.of(0.9, 0.1, 0, 10, 1, 1);
    assertThat(down.at(0).sparsity()).isCloseTo(0.9f, org.assertj.core.data.Offset.offset(1e-7f));
    assertThat(down.at(10).sparsity()).isEqualTo(0.1f);
  }

  @Test
  void javaAndOpsAgreeBitForBitInEagerAndGraph() {
    List<PruningSchedule> schedules =
        List.of(
            PolynomialDecay.of(0.2, 0.8, 100, 110, 3, 1),
            PolynomialDecay.of(0.5, 0.95, 0, 113, 3, 10),
            PolynomialDecay.of(0.1, 0.9, 7, 1007, 2.5, 3),
            PolynomialDecay.of(0.0, 0.999, 0, 333, 1, 1),
            PolynomialDecay.of(0.3, 0.7, 50, 9_000, 4.2, 17),
            ConstantSparsity.of(0.37, 5, 900, 7),
            ConstantSparsity.of(0.9999, 0));
    long[] steps = LongStream.range(0, 10_050).toArray();
    for (PruningSchedule s : schedules) {
      ScheduleOps eagerOps = s.at(tf, tf.constant(steps));
      float[] eagerSparsity = floats(eagerOps.sparsity().asTensor());
      boolean[] eagerGate = booleans(eagerOps.shouldPrune().asTensor());
      float[] graphSparsity;
      boolean[] graphGate;
      try (Graph g = new Graph(); Session session = new Session(g)) {
        Ops gtf = Ops.create(g);
        ScheduleOps graphOps = s.at(gtf, gtf.constant(steps));
        try (Result r = session.runner().fetch(graphOps.sparsity()).fetch(graphOps.shouldPrune()).run()) {
          graphSparsity = floats(r.get(0));
          graphGate = booleans(r.get(1));
        }
      }
      for (int i = 0; i < steps.length; i++) {
        ScheduleDecision java = s.at(steps[i]);
        String where = s + " at step " + steps[i];
        // A constant curve is one scalar whatever the steps.
        float eagerValue = eagerSparsity[eagerSparsity.length == 1 ? 0 : i];
        float graphValue = graphSparsity[graphSparsity.length == 1 ? 0 : i];
        assertThat(Float.floatToRawIntBits(eagerValue)).as(where).isEqualTo(Float.floatToRawIntBits(java.sparsity()));
        assertThat(Float.floatToRawIntBits(graphValue)).as(where).isEqualTo(Float.floatToRawIntBits(java.sparsity()));
        assertThat(eagerGate[i]).as(where).isEqualTo(java.shouldPrune());
        assertThat(graphGate[i]).as(where).isEqualTo(java.shouldPrune());
      }
    }
  }

  @Test
  void invalidParametersNameTheParameterAndValue() {
    assertThatThrownBy(() -> ConstantSparsity.of(0.5, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("begin must be >= 0, got -1");
    assertThatThrownBy(() -> ConstantSparsity.of(0.5, 0, -2, 100))
        .hasMessage("end must be >= -1 (-1 means no end), got -2");
    assertThatThrownBy(() -> ConstantSparsity.of(0.5, 10, 5, 100))
        .hasMessage("end must be >= begin (10) or -1, got 5");
    assertThatThrownBy(() -> ConstantSparsity.of(0.5, 0).withFrequency(0))
        .hasMessage("frequency must be > 0, got 0");
    assertThatThrownBy(() -> ConstantSparsity.of(1.0, 0)).hasMessage("target must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> ConstantSparsity.of(-0.1, 0)).hasMessage("target must be in [0, 1), got -0.1");
    assertThatThrownBy(() -> ConstantSparsity.of(Double.NaN, 0)).hasMessage("target must be in [0, 1), got NaN");

    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, -3, 10)).hasMessage("begin must be >= 0, got -3");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 0, -1))
        .hasMessage("end must be set for PolynomialDecay (-1 is not allowed), got -1");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 0, -5)).hasMessage("end must be >= -1 (-1 means no end), got -5");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 10, 10))
        .hasMessage("end must differ from begin (10): the curve would divide by zero, got 10");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 10, 5)).hasMessage("end must be >= begin (10) or -1, got 5");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 0, 10, 3, -1)).hasMessage("frequency must be > 0, got -1");
    assertThatThrownBy(() -> PolynomialDecay.of(1.5, 0.5, 0, 10)).hasMessage("initialSparsity must be in [0, 1), got 1.5");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 1.0, 0, 10)).hasMessage("finalSparsity must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 0, 10).withPower(Double.NaN))
        .hasMessageStartingWith("power must be a finite number > 0").hasMessageEndingWith("got NaN");
    // TFMOT accepts these; -1 would give a sparsity of -Infinity at step 10, 0 a constant 0.1.
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 0, 10).withPower(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("power must be a finite number > 0 (TFMOT does not check it; a negative power makes the"
            + " sparsity infinite at end), got -1.0");
    assertThatThrownBy(() -> PolynomialDecay.of(0.1, 0.5, 0, 10, 0, 1)).hasMessageContaining("got 0.0");
  }

  @Test
  void userScheduleOnlyWritesItsCurve() {
    // A step function: 0.25 until step 50, then 0.75.
    GatedSchedule steps =
        new GatedSchedule(0, -1, 10) {
          @Override
          protected float sparsityAt(long step) {
            return step < 50 ? 0.25f : 0.75f;
          }

          @Override
          protected org.tensorflow.Operand<org.tensorflow.types.TFloat32> sparsityAt(
              Ops ops, org.tensorflow.Operand<org.tensorflow.types.TInt64> step) {
            return ops.select(ops.math.less(step, ops.constant(50L)), ops.constant(0.25f), ops.constant(0.75f));
          }
        };
    assertThat(steps.at(40)).isEqualTo(new ScheduleDecision(true, 0.25f));
    assertThat(steps.at(55)).isEqualTo(new ScheduleDecision(false, 0.75f));
    ScheduleOps ops = steps.at(tf, tf.constant(60L));
    assertThat(floats(ops.sparsity().asTensor())).containsExactly(0.75f);
    assertThat(booleans(ops.shouldPrune().asTensor())).containsExactly(true);
  }
}
