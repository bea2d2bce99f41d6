package dev.topiary.kotlin

import dev.topiary.dsl.data.Batch
import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.data.Example
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.data.ImageAugmentation
import dev.topiary.dsl.data.io.CsvDataset
import dev.topiary.dsl.data.io.ImageDecoding
import dev.topiary.dsl.data.io.ImageFolderDataset
import dev.topiary.dsl.data.io.TFRecordDataset
import java.nio.file.Path

// ---- datasets: sources with a block of transforms ------------------------------------------------

/**
 * The transforms of a dataset, in the order they apply: example transforms (`shuffle`, `map`, `take`,
 * `skip`, `shard`), then `batch`, then `prefetch`.
 */
@TopiaryDsl
class DatasetScope internal constructor(internal var dataset: Dataset) {
  /** A tf.data-style buffer shuffle, the same for the same epoch and seed. */
  fun shuffle(buffer: Int, seed: Long) {
    dataset = dataset.shuffle(buffer, seed)
  }

  /** Every example through [transform] (preprocessing in Kotlin), on [threads] threads keeping the order. */
  fun map(threads: Int = 1, transform: (Example) -> Example) {
    dataset = dataset.map(transform, threads)
  }

  /** Seeded random image augmentation of the first input, the same for the same epoch (see [imageAugmentation]). */
  fun augment(augmentation: ImageAugmentation, threads: Int = 1) {
    dataset = dataset.augment(augmentation, threads)
  }

  fun take(n: Long) {
    dataset = dataset.take(n)
  }

  fun skip(n: Long) {
    dataset = dataset.skip(n)
  }

  /** Every [count]-th example from [index]: one worker's share. */
  fun shard(count: Int, index: Int) {
    dataset = dataset.shard(count, index)
  }

  /** Batches of [size] whatever `fit` says; [dropRemainder] drops a short last batch. */
  fun batch(size: Int, dropRemainder: Boolean = false) {
    dataset = dataset.batch(size, if (dropRemainder) Dataset.Remainder.DROP else Dataset.Remainder.KEEP)
  }

  /** Up to [batches] batches made ahead on a background thread. */
  fun prefetch(batches: Int = 2) {
    dataset = dataset.prefetch(batches)
  }
}

/** [this] dataset with the transforms of [block]. */
fun Dataset.transform(block: DatasetScope.() -> Unit): Dataset = DatasetScope(this).apply(block).dataset

/** Features and labels as host arrays. */
fun dataset(x: HostArray, y: HostArray, block: DatasetScope.() -> Unit = {}): Dataset =
  Dataset.of(x, y).transform(block)

/** Features only (for predict). */
fun dataset(x: HostArray, block: DatasetScope.() -> Unit = {}): Dataset = Dataset.of(x).transform(block)

/** Features [n, d] and class indices. */
fun dataset(x: Array<FloatArray>, y: IntArray, block: DatasetScope.() -> Unit = {}): Dataset =
  Dataset.of(x, y).transform(block)

/** Features [n, d] and class indices (each within the int range). */
fun dataset(x: Array<FloatArray>, y: LongArray, block: DatasetScope.() -> Unit = {}): Dataset =
  Dataset.of(x, y).transform(block)

/** Features [n, d] and float targets [n, k]. */
fun dataset(x: Array<FloatArray>, y: Array<FloatArray>, block: DatasetScope.() -> Unit = {}): Dataset =
  Dataset.of(x, y).transform(block)

/** Features [n, a, b] and class indices. */
fun dataset(x: Array<Array<FloatArray>>, y: IntArray, block: DatasetScope.() -> Unit = {}): Dataset =
  Dataset.of(x, y).transform(block)

/** Double features [n, d] and class indices. */
fun dataset(x: Array<DoubleArray>, y: IntArray, block: DatasetScope.() -> Unit = {}): Dataset =
  Dataset.of(x, y).transform(block)

/** Arrays by the model's input and output names. */
fun dataset(
  inputs: Map<String, HostArray>,
  labels: Map<String, HostArray> = emptyMap(),
  block: DatasetScope.() -> Unit = {},
): Dataset = Dataset.named(inputs, labels).transform(block)

/**
 * Examples made on the fly (data larger than memory): [examples] is called again for every pass and
 * must give the same examples each time. [size] is the number of examples of a pass, when known.
 */
fun generatedDataset(size: Long? = null, block: DatasetScope.() -> Unit = {}, examples: () -> Sequence<Example>): Dataset {
  val source = if (size == null) {
    Dataset.fromGenerator { examples().iterator() }
  } else {
    Dataset.fromGenerator({ examples().iterator() }, size)
  }
  return source.transform(block)
}

/**
 * Items of each epoch ([items] is given the epoch: file names, raw records) made into examples by
 * [toExample] on [threads] threads, in the items' order; [toExample] returning null drops the item.
 */
fun <T> itemsDataset(
  items: (epoch: Int) -> Sequence<T>,
  threads: Int = 1,
  size: Long? = null,
  block: DatasetScope.() -> Unit = {},
  toExample: (T) -> Example?,
): Dataset = Dataset.fromItems(
  { epoch -> items(epoch).iterator() },
  { item: T -> toExample(item) },
  threads,
  if (size == null) java.util.OptionalLong.empty() else java.util.OptionalLong.of(size),
).transform(block)

/** A TFRecord file (or several) of tf.train.Example: name the inputs and labels in [features]. */
fun tfRecordDataset(
  vararg files: Path,
  features: TFRecordDataset.() -> TFRecordDataset,
  block: DatasetScope.() -> Unit = {},
): Dataset = TFRecordDataset.of(*files).features().transform(block)

/**
 * How encoded images become a model input: resized to [height] x [width] (after keeping the central
 * [centralCrop] of each side), RGB or [grayscale], values scaled by [scale] (0..255 by default, as Keras).
 */
fun imageDecoding(
  height: Int,
  width: Int,
  grayscale: Boolean = false,
  centralCrop: Double = 1.0,
  scale: ImageDecoding.Scale = ImageDecoding.Scale.RAW,
): ImageDecoding {
  var d = ImageDecoding.of(height, width).scale(scale)
  if (grayscale) d = d.grayscale()
  if (centralCrop < 1.0) d = d.centralCrop(centralCrop)
  return d
}

/**
 * Images in [dir] with one subfolder per class, as Keras' `image_dataset_from_directory`: [image] says
 * the size, colours and scale; [validationSplit] with [subset] and [seed] picks one part of a seeded
 * split; [shuffleSeed] orders the files anew every epoch; [decodeThreads] decode in parallel.
 */
fun imageFolderDataset(
  dir: Path,
  image: ImageDecoding = ImageDecoding.of(256, 256),
  labels: ImageFolderDataset.Labels = ImageFolderDataset.Labels.INT,
  classNames: List<String>? = null,
  validationSplit: Double? = null,
  subset: ImageFolderDataset.Subset = ImageFolderDataset.Subset.TRAINING,
  seed: Long = 0,
  shuffleSeed: Long? = null,
  decodeThreads: Int = 1,
  skipCorruptImages: Boolean = false,
  block: DatasetScope.() -> Unit = {},
): Dataset {
  var d = ImageFolderDataset.of(dir).image(image).labels(labels).decodeThreads(decodeThreads)
  if (classNames != null) d = d.classNames(classNames)
  if (validationSplit != null) d = d.validationSplit(validationSplit, subset, seed)
  if (shuffleSeed != null) d = d.shuffle(shuffleSeed)
  if (skipCorruptImages) d = d.skipCorruptImages()
  return d.transform(block)
}

/** The steps of a seeded image augmentation, in the order flip, translate, brightness, contrast. */
@TopiaryDsl
class AugmentationScope internal constructor(internal var augmentation: ImageAugmentation) {
  /** Mirrors left-right with probability 1/2. */
  fun flipHorizontal() {
    augmentation = augmentation.flipHorizontal()
  }

  /** Mirrors top-bottom with probability 1/2. */
  fun flipVertical() {
    augmentation = augmentation.flipVertical()
  }

  /** Shifts by up to these fractions of the height and width, filling by reflection. */
  fun translate(height: Double, width: Double) {
    augmentation = augmentation.translate(height, width)
  }

  /** Adds a value from [-maxDelta, maxDelta] to every pixel. */
  fun brightness(maxDelta: Float) {
    augmentation = augmentation.brightness(maxDelta)
  }

  /** Scales deviations from each channel's mean by a factor in [1 - factor, 1 + factor]. */
  fun contrast(factor: Double) {
    augmentation = augmentation.contrast(factor)
  }
}

/** A seeded image augmentation with the steps of [block], for `augment(...)` in a dataset's block. */
fun imageAugmentation(seed: Long, block: AugmentationScope.() -> Unit): ImageAugmentation =
  AugmentationScope(ImageAugmentation.seeded(seed)).apply(block).augmentation

/** A CSV file with a header: select columns in [columns]. */
fun csvDataset(file: Path, columns: CsvDataset.() -> CsvDataset, block: DatasetScope.() -> Unit = {}): Dataset =
  CsvDataset.of(file).columns().transform(block)

// ---- examples --------------------------------------------------------------------------------------

/** One example: float features and a class index. */
fun example(features: FloatArray, label: Int, weight: Float? = null): Example =
  Example.of(features, label).let { if (weight == null) it else it.withWeight(weight) }

/** One example: float features and float targets. */
fun example(features: FloatArray, targets: FloatArray, weight: Float? = null): Example =
  Example.of(features, targets).let { if (weight == null) it else it.withWeight(weight) }

// ---- reading ---------------------------------------------------------------------------------------

/** Runs [action] on every batch of one pass, closing the batches (files, threads) afterwards. */
inline fun Dataset.forEachBatch(epoch: Int = 0, batchSize: Int = 32, action: (Batch) -> Unit) {
  batches(epoch, batchSize).use { batches -> batches.forEach(action) }
}
