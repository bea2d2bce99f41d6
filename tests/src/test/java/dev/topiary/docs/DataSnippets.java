package dev.topiary.docs;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.data.ImageAugmentation;
import dev.topiary.dsl.data.io.CsvDataset;
import dev.topiary.dsl.data.io.ImageDecoding;
import dev.topiary.dsl.data.io.ImageFolderDataset;
import dev.topiary.dsl.data.io.IdxFiles;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.data.io.TFRecords;
import dev.topiary.dsl.training.Fit;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
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

  static void imageFolder(Model model, Path flowers) {
    // [snippet:ImageFolder]
    ImageFolderDataset images = ImageFolderDataset.of(flowers)     // flowers/daisy/*.jpg, flowers/roses/*.jpg, ...
        .image(ImageDecoding.of(180, 180))                           // RGB, bilinear resize, values 0..255 (Keras' defaults)
        .decodeThreads(2);                                           // read and decode on 2 threads, order unchanged
    ImageFolderDataset train = images.validationSplit(0.2, ImageFolderDataset.Subset.TRAINING, 123).shuffle(123);
    ImageFolderDataset val = images.validationSplit(0.2, ImageFolderDataset.Subset.VALIDATION, 123);
    List<String> classes = train.classNames();                     // sorted subfolder names: class i is classes.get(i)
    model.fit(train.augment(ImageAugmentation.seeded(1).flipHorizontal().translate(0.1, 0.1).contrast(0.2))
        .batch(32).prefetch(2), Fit.ofEpochs(10).validationData(val.batch(32)));
    // [end:ImageFolder]
  }

  static void imageOptions(Path dir, HostArray images, int[] labels) {
    // [snippet:ImageOptions]
    ImageDecoding mnistLike = ImageDecoding.of(28, 28).grayscale().scale(ImageDecoding.Scale.UNIT); // [0, 1]
    ImageDecoding imageNet = ImageDecoding.of(224, 224).centralCrop(0.875)                          // ImageNet evaluation crop
        .scale(ImageDecoding.Scale.MINUS_ONE_TO_ONE);                                               // MobileNet's [-1, 1]
    ImageFolderDataset oneHot = ImageFolderDataset.of(dir).image(mnistLike)
        .labels(ImageFolderDataset.Labels.CATEGORICAL)                // INT (default), CATEGORICAL, BINARY or NONE
        .extensions(".png");                                          // default: .bmp .gif .jpeg .jpg .png, any case
    ImageFolderDataset.write(dir, images, labels, List.of("cat", "dog")); // [n, h, w(, c)] 0..255 -> dir/cat/0.png, ...
    // [end:ImageOptions]
  }

  static void imageRecords(Path shard0, Path shard1, Path tfds) {
    // [snippet:ImageRecords]
    Dataset imageNet = TFRecordDataset.of(shard0, shard1)            // build_imagenet_data.py's train-00000-of-01024, ...
        .imageInput("image/encoded", ImageDecoding.of(224, 224).scale(ImageDecoding.Scale.MINUS_ONE_TO_ONE))
        .intLabel("image/class/label", -1)                           // its labels are 1..1000: classes 0..999
        .decodeThreads(2)
        .shuffle(10_000, 1);
    Dataset fromTfds = TFRecordDataset.of(tfds)                      // TFDS's files: "image" (PNG or JPEG), "label"
        .imageInput("image", ImageDecoding.of(32, 32)).intLabel("label");
    // [end:ImageRecords]
  }

  static void corrupt(Path records) {
    // [snippet:CorruptImages]
    TFRecordDataset lenient = TFRecordDataset.of(records).imageInput("image/encoded", ImageDecoding.of(224, 224))
        .intLabel("image/class/label", -1).skipCorruptImages();  // left out, logged per pass as a WARNING
    long skipped = lenient.skippedImages();                      // how many so far
    // [end:CorruptImages]
  }
}
