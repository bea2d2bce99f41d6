package dev.topiary.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.ops.mask.MByNStrategy;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/** Silent mistakes in schedules and m-by-n settings become warnings (or errors) when they are defined. */
class DefinitionWarningsTest {
  // A strong reference: java.util.logging keeps loggers weakly.
  private final Logger logger = Logger.getLogger("dev.topiary");
  private final List<LogRecord> records = new ArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      synchronized (records) {
        records.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void capture() {
    logger.addHandler(handler);
  }

  @AfterEach
  void release() {
    logger.removeHandler(handler);
  }

  private List<String> warnings() {
    synchronized (records) {
      return records.stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage).toList();
    }
  }

  @Test
  void aScheduleWhoseFrequencyNeverReachesItsEndWarnsOnce() {
    PolynomialDecay decay = PolynomialDecay.of(0.2, 0.8, 0, 80);
    assertThat(decay.lastPruningStep()).isEqualTo(0);
    PruningSpec spec = PruningSpec.of(decay);
    spec.withBlock(1, 4, dev.topiary.ops.mask.BlockPooling.AVG);
    assertThat(warnings()).hasSize(1);
    assertThat(warnings().get(0)).contains("last pruning step is 0", "no pruning step after begin",
        "sparsity is 0.2000", "end step 80 (0.8000)", "end - begin = 80", "end = 100");
  }

  @Test
  void aLastPruningStepFarBelowTheFinalSparsityWarns() {
    // Every 30 steps up to 80: the last update is at 60, where the curve is at 0.7906 of 0.8... close:
    // no warning. Every 50 steps: the last update is at 50, where it is 0.7684.
    PruningSpec.of(PolynomialDecay.of(0.2, 0.8, 0, 80, 3, 30));
    assertThat(warnings()).isEmpty();
    PruningSpec.of(PolynomialDecay.of(0.2, 0.8, 0, 80, 3, 50));
    assertThat(warnings()).singleElement().asString().contains("last pruning step is 50 (before end)",
        "sparsity is 0.7684", "(0.8000)");
  }

  @Test
  void commonTutorialSettingsDoNotWarn() {
    // TFMOT's MNIST tutorial: end 114 with frequency 10 (last update at 110, 0.8 reached to 1e-4).
    PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 114, 3, 10));
    // The builder chain goes through the default frequency first: only the schedule in the spec counts.
    PruningSpec.of(PolynomialDecay.of(0.2, 0.8, 0, 80).withFrequency(10));
    PruningSpec.of(ConstantSparsity.of(0.5, 0, 55, 100));
    PruningSpec.of(ConstantSparsity.of(0.5, 0));
    assertThat(warnings()).isEmpty();
  }

  @Test
  void mByNSaysWhatSparsityItReallyGets() {
    MByNStrategy twoFour = new MByNStrategy(2, 4);
    assertThat(twoFour.realSparsity(Shape.of(7, 3))).isEqualTo(3.0 / 7);
    assertThat(twoFour.realSparsity(Shape.of(8, 3))).isEqualTo(0.5);
    assertThat(twoFour.realSparsity(Shape.of(3, 3, 5, 2))).isEqualTo(2.0 / 5);
    assertThat(new MByNStrategy(1, 4).realSparsity(Shape.of(6, 1))).isEqualTo(1.0 / 6);
    assertThat(twoFour.review(Shape.of(8, 3))).isEmpty();
    assertThat(twoFour.review(Shape.of(7, 3))).get().asString()
        .contains("7 input channels are not a multiple of 4", "3/7 zeros = 0.4286 sparsity, not 0.5000");
    assertThat(MaskStrategy.magnitude().review(Shape.of(7, 3))).isEmpty();
  }

  @Test
  void mByNThatCannotPruneAnythingIsAnError() {
    assertThatThrownBy(() -> new MByNStrategy(2, 4).review(Shape.of(1, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot prune a weight of shape [1, 3]")
        .hasMessageContaining("1 input channel(s)");
    assertThatThrownBy(() -> new MByNStrategy(2, 4).review(Shape.of(3, 3, 2, 8)))
        .hasMessageContaining("use at least 3 input channels");
    // 3 channels at 2:4 still lose one weight per run.
    assertThat(new MByNStrategy(2, 4).realSparsity(Shape.of(3, 2))).isEqualTo(1.0 / 3);
  }
}
