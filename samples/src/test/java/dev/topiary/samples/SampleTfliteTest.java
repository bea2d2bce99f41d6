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
 * flavour: each parses back and its weights reproduce {@code predict}. With
 * {@code -Dtopiary.tflite.dir=DIR} the files stay there for {@code dsl/tflite/tools/check_tflite.py}.
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

  /**
   * IMDB's Embedding -> LSTM -> Dense(sigmoid), unrolled into builtins; also with mask_zero and ids padded
   * with 0 at the front of each example (a different length each), whose steps must keep the state.
   */
  @Test
  void imdbLstmInEveryFlavour(@TempDir Path temp) throws Exception {
    Path root = TfliteFixtures.root(temp);
    ImdbPruning.Shape shape = new ImdbPruning.Shape(500, 20, 8, 8);
    int n = 16;
    float[] ids = new float[n * 20];
    java.util.Random r = new java.util.Random(5);
    for (int e = 0; e < n; e++) {
      int pad = e % 12; // 0..11 leading padding steps
      for (int t = pad; t < 20; t++) {
        ids[e * 20 + t] = 1 + r.nextInt(501);
      }
    }
    HostArray x = HostArray.of(ids, n, 20);
    float[] labels = new float[n];
    for (int e = 0; e < n; e++) {
      labels[e] = e % 2;
    }
    HostArray y = HostArray.of(labels, n);
    Compile compile = Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)).seed(3);
    TfliteFixtures.write(root, "sample_imdb_dense", ImdbPruning.model(shape), x, y, compile);
    TfliteFixtures.write(root, "sample_imdb_pruned_0.8", ImdbPruning.model(shape)
        .prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))), x, y, compile);
    // Wider: kernels of 2,048 and 4,096 values reach the int8 threshold, so the int8 files run hybrid FULLY_CONNECTED.
    TfliteFixtures.write(root, "sample_imdb_wide_pruned_0.8", ImdbPruning.model(new ImdbPruning.Shape(500, 20, 16, 32))
        .prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1))), x, y, compile);
    ModelSpec masked = dev.topiary.dsl.Sequential.of(dev.topiary.dsl.Input.of(20),
        dev.topiary.dsl.layers.core.Embedding.of(502, 8).maskZero(true),
        dev.topiary.dsl.layers.recurrent.LSTM.of(8),
        Dense.of(1, dev.topiary.dsl.layers.Activation.SIGMOID));
    TfliteFixtures.write(root, "sample_imdb_mask_zero", masked, x, y, compile);
  }

  @Test
  void aMaskOnlyAnLstmCanHonourIsRefused() {
    ModelSpec spec = dev.topiary.dsl.Sequential.of(dev.topiary.dsl.Input.of(20),
        dev.topiary.dsl.layers.core.Embedding.of(50, 8).maskZero(true),
        dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D.of(), Dense.of(1));
    try (Model m = spec.compile(Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)).seed(3))) {
      assertThatThrownBy(() -> TfliteExport.bytes(m, TfliteFlavour.FLOAT32))
          .isInstanceOf(UnsupportedLayersException.class).hasMessageContaining("mask_zero");
    }
  }
}
