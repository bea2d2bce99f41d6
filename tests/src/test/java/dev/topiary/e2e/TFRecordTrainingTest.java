package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.data.io.TFRecords;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.mnist.MnistPruning;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tutorial CNN trained and pruned from a TFRecord file of tf.train.Examples (the format TF users
 * keep their data in) ends bit for bit where training on the same examples from arrays ends.
 */
class TFRecordTrainingTest {

  @Test
  void trainingFromATFRecordFileEqualsTrainingFromTheArrays(@TempDir Path dir) {
    Idx.Split train = Idx.embedded("train");
    HostArray images = train.images().slice(0, 2048);
    HostArray labels = train.labels().slice(0, 2048);
    Path file = dir.resolve("mnist.tfrecord.gz");
    Map<String, HostArray> columns = new LinkedHashMap<>();
    columns.put("image", images);
    columns.put("label", labels);
    TFRecordDataset.write(file, columns, TFRecords.Compression.GZIP);

    Dataset records = TFRecordDataset.of(file).floatInput("image", 28, 28).intLabel("label");
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true))
        .metrics(Metric.ACCURACY).seed(7);
    Fit fit = Fit.ofEpochs(2).batchSize(64).shuffle(false).progress(ProgressSink.silent());
    var spec = MnistPruning.model().prunedWith(PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 60, 3, 10)));
    try (Model fromFile = spec.compile(compile); Model fromArrays = spec.compile(compile)) {
      fromFile.fit(records, fit);
      fromArrays.fit(images, labels, fit);
      assertThat(fromFile.step()).isEqualTo(64);
      assertThat(fromFile.snapshot()).isEqualTo(fromArrays.snapshot());
      assertThat(fromFile.sparsity().get("dense_kernel")).isEqualTo(0.8, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(fromFile.evaluate(records).get("accuracy")).isGreaterThan(0.7);
    }
  }
}
