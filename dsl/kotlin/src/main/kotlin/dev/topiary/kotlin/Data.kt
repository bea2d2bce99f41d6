package dev.topiary.kotlin

import dev.topiary.dsl.data.Batch
import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.data.Example
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.data.io.CsvDataset
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

  /** Every example through [transform] (preprocessing in Kotlin). */
  fun map(transform: (Example) -> Example) {
    dataset = dataset.map(transform)
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

/** A TFRecord file (or several) of tf.train.Example: name the inputs and labels in [features]. */
fun tfRecordDataset(
  vararg files: Path,
  features: TFRecordDataset.() -> TFRecordDataset,
  block: DatasetScope.() -> Unit = {},
): Dataset = TFRecordDataset.of(*files).features().transform(block)

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
