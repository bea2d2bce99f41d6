package dev.topiary.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.imdb.ImdbPruning;
import dev.topiary.samples.mnist.MnistPruning;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFile;
import dev.topiary.tflite.TfliteFlavour;
import dev.topiary.tflite.TfliteWeights;
import dev.topiary.tflite.UnsupportedLayersException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MNIST and IMDB samples' models after a short training run on random data, written as {@code .tflite} in every
 * flavour: each parses back and its weights reproduce {@code predict}; the samples whose layers have no
 * TFLite builtin (IMDB's LSTM) fail with the list. With
 * {@code -Dtopiary.tflite.dir=DIR} the files stay there for {@code tools/check_tflite.py}.
 */
class SampleTfliteTest {
  @Test
  void everySupportedSampleInEveryFlavour(@TempDir Path temp) throws Exception {
    Path root = TfliteFixtures.root(temp);
    PruningSpec p = PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1));
    TfliteFixtures.write(root, "sample_mnist_dense", MnistPruning.model());
    TfliteFixtures.write(root, "sample_mnist_pruned_0.8", MnistPruning.model().prunedWith(p));
    // Topiary's 1x4 block (1 input x 4 outputs of the [in, out] kernel) is 4x1 in TFLite's [out, in]: CSR;
    // a 4x1 Topiary block is TFLite's 1x4, which FULLY_CONNECTED takes directly.
    TfliteFixtures.write(root, "sample_mnist_block_1x4", MnistPruning.model().prunedWith(p.withBlock(1, 4, BlockPooling.AVG),
        PruningPolicy.only(Dense.class)));
    TfliteFixtures.write(root, "sample_mnist_block_4x1", MnistPruning.model().prunedWith(p.withBlock(4, 1, BlockPooling.AVG),
        PruningPolicy.only(Dense.class)));
    TfliteFixtures.write(root, "sample_mnist_2of4", MnistPruning.model().prunedWith(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0, -1, 1)),
        PruningPolicy.only(Dense.class)));
  }

  @Test
  void samplesWithoutBuiltinsAreRefusedByName() {
    try (Model imdb = ImdbPruning.model(new ImdbPruning.Shape(500, 20, 8, 8))
        .compile(Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)).seed(3))) {
      assertThatThrownBy(() -> TfliteExport.bytes(imdb, TfliteFlavour.FLOAT32))
          .isInstanceOf(UnsupportedLayersException.class).hasMessageContaining("(LSTM)");
    }
  }
}
