package dev.topiary.docs;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.io.CsvDataset;
import dev.topiary.dsl.data.io.IdxFiles;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.data.io.TFRecords;
import dev.topiary.dsl.training.Fit;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.IntStream;

/** Snippets of docs/guides/data.md. */
final class DataSnippets {
  private DataSnippets() {}

  static void pipeline(float[][] x, int[] y, HostArray images, HostArray meta, HostArray labels,
      Path imagesFile, Path labelsFile, Path csv, Path records) {
    // [snippet:DatasetPipeline]
    Dataset train = Dataset.of(x, y)            // float[][], float[][][], double[][] or HostArray; int[]/long[] labels or float[][] targets
        .shuffle(10_000, 1)                     // tf.data-style buffer shuffle; buffer >= size: a full shuffle
        .map(e -> e)                            // preprocessing in Java, on one Example at a time
        .batch(64, Dataset.Remainder.DROP)      // optional: otherwise fit's batch size; KEEP or DROP the short last batch
        .prefetch(2);                           // a background thread makes the next batches; close() stops it
    // [end:DatasetPipeline]
    // [snippet:DatasetSources]
    Dataset byName = Dataset.named(Map.of("image", images, "meta", meta), Map.of("digit", labels)); // matched by input/output names
    Dataset generated = Dataset.fromGenerator(() -> examples());  // larger than memory: a new Iterator<Example> per epoch
    Dataset mnist = IdxFiles.dataset(imagesFile, labelsFile);     // MNIST's IDX, gzipped or not
    Dataset table = CsvDataset.of(csv).features("a", "b").intLabel("species").delimiter(';');
    Dataset examples = TFRecordDataset.of(records).floatInput("image", 28, 28).intLabel("label"); // tf.train.Example, plain or GZIP
    TFRecordDataset.write(records, Map.of("image", images, "label", labels), TFRecords.Compression.GZIP);
    // [end:DatasetSources]
  }

  // [snippet:Generator]
  static Iterator<Example> examples() {                  // called once per epoch
    return IntStream.range(0, 1_000_000)
        .mapToObj(i -> Example.of(new float[] {i % 7, i % 11}, i % 2))   // features, class id
        .iterator();
  }
  // [end:Generator]

  static void tfRecordFit(Model model, Path path) {
    // [snippet:FitTfRecord]
    model.fit(TFRecordDataset.of(path).floatInput("image", 28, 28).intLabel("label")
        .shuffle(10_000, 1).batch(128).prefetch(2), Fit.ofEpochs(2));
    // [end:FitTfRecord]
  }
}
