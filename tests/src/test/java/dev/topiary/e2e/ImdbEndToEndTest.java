package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.data.TextData;
import dev.topiary.samples.imdb.ImdbPruning;
import dev.topiary.samples.mnist.MnistPruning;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The IMDB LSTM example on the embedded subset: pruned 0.8 within 2 points of dense. */
class ImdbEndToEndTest {

  @Test
  void prunedLstmStaysWithinTwoPointsOfDense() {
    TextData.Texts train = TextData.embedded("train");
    TextData.Texts test = TextData.embedded("test");
    assertThat(train.texts()).hasSize(5000);
    assertThat(test.texts()).hasSize(2000);
    ImdbPruning.Shape shape = ImdbPruning.Shape.defaults();
    Idx.Split[] splits = ImdbPruning.prepare(train, test, shape);
    assertThat(splits[0].images().shape()).containsExactly(5000, 200);
    MnistPruning.Settings s = new MnistPruning.Settings(3, 2, 64, 0.1, 0.5, List.of(0.8), 10, 42, ProgressSink.silent());
    List<MnistPruning.Row> rows = ImdbPruning.run(splits[0], splits[1], shape, s);
    MnistPruning.Row dense = rows.get(0);
    MnistPruning.Row pruned = rows.get(1);
    assertThat(dense.testAccuracy()).isGreaterThan(0.78);
    assertThat(pruned.testAccuracy()).isGreaterThan(dense.testAccuracy() - 0.02);
    assertThat(pruned.sparsity()).containsKeys("embedding_embeddings", "lstm_kernel", "lstm_recurrent_kernel", "dense_kernel");
    // Exactly the reference's rounding: keep max(round(N * 0.2), 1) of N.
    assertThat(pruned.sparsity().get("lstm_recurrent_kernel")).isEqualTo(dev.topiary.ops.Measurements.expectedSparsity(32 * 128, 0.8f));
    assertThat(pruned.sparsity().get("lstm_kernel")).isEqualTo(dev.topiary.ops.Measurements.expectedSparsity(32 * 128, 0.8f));
    assertThat(pruned.sparsity().get("embedding_embeddings")).isEqualTo(dev.topiary.ops.Measurements.expectedSparsity(10_002 * 32, 0.8f));

  }

  @Test
  void tokenizerFollowsKerasDefaults() {
    assertThat(TextData.words("A <br />great film... isn't it? 10/10")).containsExactly("a", "great", "film", "isn't",
        "it", "10", "10");
    var vocabulary = TextData.vocabulary(List.of("b a a", "c a b"), 2);
    assertThat(vocabulary).containsEntry("a", 2).containsEntry("b", 3).doesNotContainKey("c");
    // Pre-padding and pre-truncation; unknown words map to 1.
    assertThat(TextData.encode(List.of("a c", "b a b a b"), vocabulary, 3).floats())
        .containsExactly(0, 2, 1, 3, 2, 3);
  }
}
