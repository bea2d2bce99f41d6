package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The main job on the embedded MNIST subset, at the 0.8 target: the acceptance numbers. */
class MnistEndToEndTest {


  @Test
  void prunedModelKeepsItsAccuracyAtExactlyTheTargetSparsity() {
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    assertThat(train.size()).isEqualTo(8000);
    assertThat(test.size()).isEqualTo(2000);
    List<MnistPruning.Row> rows = MnistPruning.run(train, test,
        MnistPruning.Settings.defaults().targets(List.of(0.8)).progress(ProgressSink.silent()));

    MnistPruning.Row dense = rows.get(0);
    MnistPruning.Row pruned = rows.get(1);
    assertThat(dense.testAccuracy()).isGreaterThan(0.88);
    assertThat(pruned.testAccuracy()).isGreaterThanOrEqualTo(0.87);
    assertThat(pruned.sparsity()).isEqualTo(Map.of(
        "conv2d_kernel", dev.topiary.ops.Measurements.expectedSparsity(3 * 3 * 12, 0.8f),
        "dense_kernel", dev.topiary.ops.Measurements.expectedSparsity(13 * 13 * 12 * 10, 0.8f)));
    assertThat(pruned.sparsity().get("dense_kernel")).isEqualTo(0.8);
    // gzip of the stripped weights: at least 3x smaller than the dense ones.
    assertThat(pruned.compressionRatio()).isGreaterThan(3.0);
    // The compact formats: at least 3x (float) and 10x (int8) smaller than the dense weights after gzip,
    // and the int8 model within half a point of the float one.
    assertThat((double) dense.gzipBytes() / pruned.sparseGzipBytes()).isGreaterThan(3.0);
    assertThat(pruned.int8Ratio(dense.gzipBytes())).isGreaterThan(10.0);
    assertThat(pruned.int8Accuracy()).isCloseTo(pruned.testAccuracy(), org.assertj.core.data.Offset.offset(0.005));
  }
}
