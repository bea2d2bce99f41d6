package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.data.TextData;
import dev.topiary.samples.imdb.ImdbPruning;
import dev.topiary.samples.mnist.MnistPruning;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.sparse.kernel.KernelPath;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * SparseModel on trained, pruned weights of the samples' models (MNIST CNN, IMDB LSTM): the same outputs
 * as TF within 1e-5 at batch 1 and larger, on the vector and the plain-Java path, and after a TPSW round trip.
 */
class SparseRealWeightsTest {
  private static final Compile CLASSES = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
      .metrics(Metric.ACCURACY).seed(3);

  /** {@code base} pruned to 80 % from the first step, trained one short epoch, stripped. */
  private static Model prunedAndStripped(ModelSpec base, Compile compile, Idx.Split data) {
    ModelSpec spec = base.prunedWith(PruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 5)));
    try (Model m = spec.compile(compile)) {
      m.fit(data.dataset(), Fit.ofEpochs(1).batchSize(64).progress(ProgressSink.silent()));
      return m.strip();
    }
  }

  private static void sameOutputs(Model tf, HostArray x) {
    HostArray expected = tf.predict(x);
    for (KernelPath path : new KernelPath[] {KernelPath.AUTO, KernelPath.SCALAR}) {
      // calibration on the vector path; the plain-Java path takes the rule of thumb (a second warm-up costs time)
      SparseOptions options = SparseOptions.defaults().kernels(path).threads(2).calibrate(path == KernelPath.AUTO);
      try (SparseModel sparse = SparseModel.of(tf, options)) {
        assertThat(sparse.plan()).allMatch(p -> p.sparsity() >= 0.79);
        close(sparse.predict(List.of(x), 128).get(0), expected, path + " batch 128");
        close(sparse.predict(List.of(x.slice(0, 3)), 1).get(0), expected.slice(0, 3), path + " batch 1");
        HostArray again;
        try (SparseModel reread = SparseModel.of(tf.spec(),
            SparseWeights.decode(SparseWeights.encode(sparse.weights(), SparseWeights.Encoding.FLOAT32), "memory"),
            SparseOptions.defaults().kernels(path).calibrate(false))) {
          again = reread.predict(x);
        }
        close(again, expected, path + " after TPSW");
      }
    }
  }

  private static void close(HostArray actual, HostArray expected, String what) {
    assertThat(actual.shape()).containsExactly(expected.shape());
    for (int i = 0; i < actual.floats().length; i++) {
      assertThat(actual.floats()[i]).as("%s at %d", what, i).isCloseTo(expected.floats()[i], Offset.offset(1e-5f));
    }
  }

  @Test
  void mnistSampleCnn() {
    Idx.Split train = Idx.embedded("train");
    Idx.Split test = Idx.embedded("t10k");
    Idx.Split small = new Idx.Split(train.images().slice(0, 1000), train.labels().slice(0, 1000));
    try (Model tf = prunedAndStripped(MnistPruning.model(), CLASSES, small)) {
      sameOutputs(tf, test.images().slice(0, 150));
    }
  }

  @Test
  void imdbSampleLstm() {
    ImdbPruning.Shape shape = ImdbPruning.Shape.defaults();
    Idx.Split[] splits = ImdbPruning.prepare(TextData.embedded("train"), TextData.embedded("test"), shape);
    Idx.Split small = new Idx.Split(splits[0].images().slice(0, 400), splits[0].labels().slice(0, 400));
    Compile binary = Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)).seed(3);
    try (Model tf = prunedAndStripped(ImdbPruning.model(shape), binary, small)) {
      sameOutputs(tf, splits[1].images().slice(0, 100));
    }
  }
}
