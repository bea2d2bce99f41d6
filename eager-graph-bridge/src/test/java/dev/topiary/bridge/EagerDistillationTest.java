package dev.topiary.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distillation;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The distillation loss gives the same value in an eager model as in the graph it came from. */
class EagerDistillationTest {

  @Test
  void eagerLossEqualsGraphLoss() {
    Random r = new Random(3);
    int n = 40;
    float[] x = new float[n * 5];
    float[] teacher = new float[n * 3];
    int[] ids = new int[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < teacher.length; i++) {
      teacher[i] = 2 * (float) r.nextGaussian();
    }
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(3);
    }
    HostArray inputs = HostArray.of(x, n, 5);
    HostArray labels = Distillation.labels(HostArray.ofLabels(ids, n), HostArray.of(teacher, n, 3));
    Compile compile = Compile.of(Optimizer.adam(0.01f), Loss.distillation(2, 0.7)).seed(1);
    try (Model graph = Sequential.of(Input.of(5), Dense.of(3).prunable(ConstantSparsity.of(0.5, 0, -1, 2)))
        .compile(compile)) {
      graph.fit(List.of(inputs), List.of(labels), Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent()));
      double graphLoss = graph.evaluate(inputs, labels).get("loss");
      try (EagerModel eager = EagerModel.from(graph)) {
        assertThat(eager.evaluate(inputs, labels).get("loss")).isCloseTo(graphLoss, within(1e-5));
      }
      assertThat(graphLoss).isPositive();
    }
  }
}
