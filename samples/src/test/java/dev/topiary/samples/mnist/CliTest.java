package dev.topiary.samples.mnist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.training.Distillation;
import org.junit.jupiter.api.Test;

class CliTest {
  @Test
  void parsesTheFineTuningOptions() {
    Cli cli = Cli.parse(new String[] {"--distill", "2:0.5, 4:0.9", "--fine-tune-lr", "0.012,0.004"});
    assertThat(cli.distill()).containsExactly(new Distillation(2, 0.5f), new Distillation(4, 0.9f));
    assertThat(cli.fineTuneRates()).containsExactly(0.012f, 0.004f);
    Cli none = Cli.parse(new String[0]);
    assertThat(none.distill()).isNull();
    assertThat(none.fineTuneRates()).isNull();
  }

  @Test
  void refusesBadDistillationSettings() {
    assertThatThrownBy(() -> Cli.parse(new String[] {"--distill", "2"})).hasMessageContaining("T:ALPHA pairs, got '2'");
    assertThatThrownBy(() -> Cli.parse(new String[] {"--distill", "2:1.5"})).hasMessageContaining("alpha");
  }
}
