package dev.topiary.kotlin

import dev.topiary.dsl.Model
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.data.HostArrays
import dev.topiary.dsl.training.Callback
import dev.topiary.dsl.training.Distribution
import dev.topiary.dsl.training.History
import dev.topiary.dsl.training.ProgressSink
import java.nio.file.Path

// ---- Kotlin arrays in and out of fit, evaluate and predict ------------------------------------------
//
// `model.fit(x, y, epochs = 2)` with `x: Array<FloatArray>` (one row per example) and `y: IntArray`
// (class ids), as Keras takes NumPy arrays. Each converts once (rows copied into one HostArray; ragged
// rows fail naming the row) and then runs as the HostArray form does.

/** Features [n, d], one row per example; every row of the same length. */
fun Array<FloatArray>.toHostArray(): HostArray = HostArrays.of(this)

/** Features [n, d] from doubles (each rounded to float). */
fun Array<DoubleArray>.toHostArray(): HostArray = HostArrays.of(this)

/** Features [n, a, b] (images, sequences). */
fun Array<Array<FloatArray>>.toHostArray(): HostArray = HostArrays.of(this)

/** Class ids [n], for sparse categorical cross-entropy. */
fun IntArray.toLabels(): HostArray = HostArrays.labels(this)

/**
 * One float target per example, shape [n]: the labels the built-in losses take for a one-unit output
 * (binary cross-entropy, mean squared error), as Keras squeezes them.
 */
fun FloatArray.toTargets(): HostArray = HostArray.ofFloats(this, size.toLong())

/** Keras-style `fit` on rows of features and class ids: `model.fit(x, y, epochs = 2, batchSize = 128)`. */
fun Model.fit(
  x: Array<FloatArray>,
  y: IntArray,
  epochs: Int = 1,
  batchSize: Int = 32,
  validationSplit: Double = 0.0,
  shuffle: Boolean = true,
  callbacks: List<Callback> = emptyList(),
  progress: ProgressSink = ProgressSink.console(),
  tensorBoard: Path? = null,
  distribution: Distribution = Distribution.local(),
): History = fit(x.toHostArray(), y.toLabels(), epochs = epochs, batchSize = batchSize, validationSplit = validationSplit,
  shuffle = shuffle, callbacks = callbacks, progress = progress, tensorBoard = tensorBoard, distribution = distribution)

/** Keras-style `fit` on rows of features and rows of float targets [n, k] (one-hot labels, regression). */
fun Model.fit(
  x: Array<FloatArray>,
  y: Array<FloatArray>,
  epochs: Int = 1,
  batchSize: Int = 32,
  validationSplit: Double = 0.0,
  shuffle: Boolean = true,
  callbacks: List<Callback> = emptyList(),
  progress: ProgressSink = ProgressSink.console(),
  tensorBoard: Path? = null,
  distribution: Distribution = Distribution.local(),
): History = fit(x.toHostArray(), y.toHostArray(), epochs = epochs, batchSize = batchSize, validationSplit = validationSplit,
  shuffle = shuffle, callbacks = callbacks, progress = progress, tensorBoard = tensorBoard, distribution = distribution)

/** Keras-style `fit` on rows of features and one float target per example (a one-unit output). */
fun Model.fit(
  x: Array<FloatArray>,
  y: FloatArray,
  epochs: Int = 1,
  batchSize: Int = 32,
  validationSplit: Double = 0.0,
  shuffle: Boolean = true,
  callbacks: List<Callback> = emptyList(),
  progress: ProgressSink = ProgressSink.console(),
  tensorBoard: Path? = null,
  distribution: Distribution = Distribution.local(),
): History = fit(x.toHostArray(), y.toTargets(), epochs = epochs, batchSize = batchSize, validationSplit = validationSplit,
  shuffle = shuffle, callbacks = callbacks, progress = progress, tensorBoard = tensorBoard, distribution = distribution)

/** Keras-style `fit` on examples [n, a, b] (images, sequences) and class ids. */
fun Model.fit(
  x: Array<Array<FloatArray>>,
  y: IntArray,
  epochs: Int = 1,
  batchSize: Int = 32,
  validationSplit: Double = 0.0,
  shuffle: Boolean = true,
  callbacks: List<Callback> = emptyList(),
  progress: ProgressSink = ProgressSink.console(),
  tensorBoard: Path? = null,
  distribution: Distribution = Distribution.local(),
): History = fit(x.toHostArray(), y.toLabels(), epochs = epochs, batchSize = batchSize, validationSplit = validationSplit,
  shuffle = shuffle, callbacks = callbacks, progress = progress, tensorBoard = tensorBoard, distribution = distribution)

/** Loss and metrics on rows of features and class ids: `model.evaluate(x, y)["accuracy"]`. */
fun Model.evaluate(x: Array<FloatArray>, y: IntArray, batchSize: Int = 128): Map<String, Double> =
  evaluate(x.toHostArray(), y.toLabels(), batchSize)

/** Loss and metrics on rows of features and rows of float targets. */
fun Model.evaluate(x: Array<FloatArray>, y: Array<FloatArray>, batchSize: Int = 128): Map<String, Double> =
  evaluate(x.toHostArray(), y.toHostArray(), batchSize)

/** Loss and metrics on rows of features and one float target per example. */
fun Model.evaluate(x: Array<FloatArray>, y: FloatArray, batchSize: Int = 128): Map<String, Double> =
  evaluate(x.toHostArray(), y.toTargets(), batchSize)

/** Loss and metrics on examples [n, a, b] and class ids. */
fun Model.evaluate(x: Array<Array<FloatArray>>, y: IntArray, batchSize: Int = 128): Map<String, Double> =
  evaluate(x.toHostArray(), y.toLabels(), batchSize)

/**
 * The outputs of a single-output model for rows of features, one row per example (an output of more
 * than one dimension per example comes flattened, row-major).
 */
fun Model.predict(x: Array<FloatArray>, batchSize: Int = 128): Array<FloatArray> =
  rows(singleOutput(predict(listOf(x.toHostArray()), batchSize)))

/** The outputs of a single-output model for examples [n, a, b], one row per example. */
fun Model.predict(x: Array<Array<FloatArray>>, batchSize: Int = 128): Array<FloatArray> =
  rows(singleOutput(predict(listOf(x.toHostArray()), batchSize)))

/**
 * The output for one example of a single-input, single-output model whose input is a vector
 * (`Input.of(d)`), flattened: `model.predict(floatArrayOf(0.1f, 0.2f, 0.3f))`.
 */
fun Model.predict(example: FloatArray): FloatArray = predictOne(HostArray.ofFloats(example, example.size.toLong())).floats()

/** The predicted class of each row (see [Model.predictClasses]). */
fun Model.predictClasses(x: Array<FloatArray>): IntArray = predictClasses(x.toHostArray())

/** The predicted class of each example [n, a, b]. */
fun Model.predictClasses(x: Array<Array<FloatArray>>): IntArray = predictClasses(x.toHostArray())

private fun Model.singleOutput(outputs: List<HostArray>): HostArray {
  require(outputs.size == 1) {
    "predict on Kotlin arrays needs a single-output model; this one has ${outputs.size} outputs: use" +
      " predict(List<HostArray>, batchSize)"
  }
  return outputs[0]
}

private fun rows(out: HostArray): Array<FloatArray> {
  val values = out.floats()
  val n = out.shape()[0].toInt()
  val width = if (n == 0) 0 else values.size / n
  return Array(n) { i -> values.copyOfRange(i * width, (i + 1) * width) }
}
