package dev.topiary.kotlin

import dev.topiary.dsl.Functional
import dev.topiary.dsl.Input
import dev.topiary.dsl.Model
import dev.topiary.dsl.ModelSpec
import dev.topiary.dsl.Node
import dev.topiary.dsl.Sequential
import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.layers.Activation
import dev.topiary.dsl.layers.Layer
import dev.topiary.dsl.layers.Padding
import dev.topiary.dsl.layers.convolution.Conv2D
import dev.topiary.dsl.layers.core.ActivationLayer
import dev.topiary.dsl.layers.core.Dense
import dev.topiary.dsl.layers.core.Dropout
import dev.topiary.dsl.layers.normalization.BatchNormalization
import dev.topiary.dsl.layers.pooling.AveragePooling2D
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D
import dev.topiary.dsl.layers.pooling.MaxPooling2D
import dev.topiary.dsl.layers.reshaping.Flatten
import dev.topiary.dsl.layers.reshaping.Reshape
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D
import dev.topiary.dsl.training.Callback
import dev.topiary.dsl.training.Compile
import dev.topiary.dsl.training.Distribution
import dev.topiary.dsl.training.Fit
import dev.topiary.dsl.training.History
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.dsl.training.Optimizer
import dev.topiary.dsl.training.ProgressSink
import dev.topiary.ops.PruningSpec
import dev.topiary.ops.mask.BlockPooling
import dev.topiary.ops.schedule.ConstantSparsity
import dev.topiary.ops.schedule.PolynomialDecay
import dev.topiary.ops.schedule.PruningSchedule
import java.nio.file.Path

/** Marks Topiary's builder scopes, so an inner block cannot call an outer builder by accident. */
@DslMarker
annotation class TopiaryDsl

// ---- activations and schedules, by their Keras names ------------------------------------------

val linear: Activation = Activation.LINEAR
val relu: Activation = Activation.RELU
val sigmoid: Activation = Activation.SIGMOID
val tanh: Activation = Activation.TANH
val softmax: Activation = Activation.SOFTMAX
val gelu: Activation = Activation.GELU

/** TF Model Optimization's `PolynomialDecay`, with its defaults as default arguments. */
fun polynomialDecay(
  initialSparsity: Double,
  finalSparsity: Double,
  begin: Long,
  end: Long,
  power: Double = 3.0,
  frequency: Long = 100,
): PolynomialDecay = PolynomialDecay.of(initialSparsity, finalSparsity, begin, end, power, frequency)

/** TF Model Optimization's `ConstantSparsity`, with its defaults as default arguments. */
fun constantSparsity(target: Double, begin: Long = 0, end: Long = -1, frequency: Long = 100): ConstantSparsity =
  ConstantSparsity.of(target, begin, end, frequency)

// ---- layer blocks ------------------------------------------------------------------------------

/** Settings every prunable layer block shares: name and pruning. */
@TopiaryDsl
abstract class PrunableLayerScope {
  var name: String? = null
  internal var pruning: PruningSpec? = null

  /** Prune this layer's kernel along [schedule]; optionally in [block]s or as m-by-n ([mByN], e.g. 2 to 4). */
  fun prunable(
    schedule: PruningSchedule,
    block: Pair<Int, Int>? = null,
    pooling: BlockPooling = BlockPooling.AVG,
    mByN: Pair<Int, Int>? = null,
  ) {
    require(block == null || mByN == null) { "choose block or m-by-n sparsity, not both" }
    pruning = when {
      mByN != null -> PruningSpec.mByN(mByN.first, mByN.second, schedule)
      block != null -> PruningSpec.of(schedule).withBlock(block.first, block.second, pooling)
      else -> PruningSpec.of(schedule)
    }
  }

  internal fun <L> applyCommon(layer: L): L where L : Layer {
    var out: Layer = layer
    name?.let { out = (out as dev.topiary.dsl.layers.BaseLayer<*>).named(it) }
    pruning?.let { out = out.withPruning(it) }
    @Suppress("UNCHECKED_CAST")
    return out as L
  }
}

@TopiaryDsl
class DenseScope internal constructor(private val units: Int) : PrunableLayerScope() {
  var activation: Activation = linear
  var useBias: Boolean = true

  internal fun build(): Layer = applyCommon(Dense.of(units, activation).useBias(useBias))
}

@TopiaryDsl
class Conv2DScope internal constructor(private val filters: Int, private val kernel: Pair<Int, Int>) : PrunableLayerScope() {
  var activation: Activation = linear
  var strides: Int = 1
  var padding: Padding = Padding.VALID
  var dilation: Int = 1
  var useBias: Boolean = true

  internal fun build(): Layer = applyCommon(
    Conv2D.of(filters, kernel.first, kernel.second).activation(activation).strides(strides).padding(padding)
      .dilation(dilation).useBias(useBias),
  )
}

/** Layer factories shared by the sequential and functional builders. */
@TopiaryDsl
abstract class LayerFactories {
  fun denseLayer(units: Int, block: DenseScope.() -> Unit = {}): Layer = DenseScope(units).apply(block).build()

  fun conv2dLayer(filters: Int, kernel: Int, block: Conv2DScope.() -> Unit = {}): Layer =
    Conv2DScope(filters, kernel to kernel).apply(block).build()
}

// ---- sequential models -------------------------------------------------------------------------

/** Builds a Sequential model: `sequential { input(28, 28); reshape(28, 28, 1); conv2d(12, 3) { activation = relu } }`. */
fun sequential(block: SequentialScope.() -> Unit): ModelSpec = SequentialScope().apply(block).build()

@TopiaryDsl
class SequentialScope internal constructor() : LayerFactories() {
  private var input: Node? = null
  private val layers = mutableListOf<Layer>()

  fun input(vararg dims: Long) {
    check(input == null) { "a sequential model has one input" }
    input = Input.of(*dims)
  }

  fun input(vararg dims: Int) = input(*dims.map { it.toLong() }.toLongArray())

  /** Adds any layer, including your own. */
  fun layer(layer: Layer) {
    layers += layer
  }

  fun dense(units: Int, block: DenseScope.() -> Unit = {}) = layer(denseLayer(units, block))

  fun conv2d(filters: Int, kernel: Int, block: Conv2DScope.() -> Unit = {}) = layer(conv2dLayer(filters, kernel, block))

  fun maxPooling2d(size: Int = 2) = layer(MaxPooling2D.of(size))

  fun averagePooling2d(size: Int = 2) = layer(AveragePooling2D.of(size))

  fun globalAveragePooling2d() = layer(GlobalAveragePooling2D.of())

  fun flatten() = layer(Flatten.of())

  fun reshape(vararg dims: Long) = layer(Reshape.of(*dims))

  fun reshape(vararg dims: Int) = reshape(*dims.map { it.toLong() }.toLongArray())

  fun dropout(rate: Double) = layer(Dropout.of(rate))

  fun batchNormalization() = layer(BatchNormalization.of())

  fun zeroPadding2d(padding: Int = 1) = layer(ZeroPadding2D.of(padding))

  fun activation(activation: Activation) = layer(ActivationLayer.of(activation))

  internal fun build(): ModelSpec {
    val start = checkNotNull(input) { "call input(...) first: a sequential model starts with its input shape" }
    return Sequential.of(start, layers)
  }
}

// ---- functional models -------------------------------------------------------------------------

/**
 * Builds a functional model: `functional { val x = input(784); val h = dense(64) { activation = relu }(x); output(dense(10)(h)) }`.
 */
fun functional(block: FunctionalScope.() -> Unit): ModelSpec = FunctionalScope().apply(block).build()

@TopiaryDsl
class FunctionalScope internal constructor() : LayerFactories() {
  private val inputs = mutableListOf<Node>()
  private val outputs = mutableListOf<Node>()

  fun input(vararg dims: Long, name: String? = null): Node =
    (if (name == null) Input.of(*dims) else Input.named(name, *dims)).also { inputs += it }

  fun input(vararg dims: Int): Node = input(*dims.map { it.toLong() }.toLongArray())

  fun dense(units: Int, block: DenseScope.() -> Unit = {}): Layer = denseLayer(units, block)

  fun conv2d(filters: Int, kernel: Int, block: Conv2DScope.() -> Unit = {}): Layer = conv2dLayer(filters, kernel, block)

  fun output(vararg nodes: Node) {
    outputs += nodes
  }

  internal fun build(): ModelSpec = Functional.of(inputs, outputs)
}

/** Applies a layer to nodes: `dense(10)(hidden)`, `Add.of()(a, b)`. */
operator fun Layer.invoke(vararg inputs: Node): Node = apply(*inputs)

// ---- compile, fit, evaluate --------------------------------------------------------------------

/** Builds the model into a graph; named arguments with Keras' defaults. Close it, e.g. with `use { }`. */
fun ModelSpec.compile(
  loss: Loss,
  optimizer: Optimizer = Optimizer.adam(),
  metrics: List<Metric> = emptyList(),
  seed: Long = 0,
): Model = compile(Compile.of(optimizer, loss).metrics(*metrics.toTypedArray()).seed(seed))

/** Keras-style `fit` with named arguments. */
fun Model.fit(
  x: HostArray,
  y: HostArray,
  epochs: Int = 1,
  batchSize: Int = 32,
  validationSplit: Double = 0.0,
  shuffle: Boolean = true,
  callbacks: List<Callback> = emptyList(),
  progress: ProgressSink = ProgressSink.console(),
  tensorBoard: Path? = null,
  distribution: Distribution = Distribution.local(),
): History {
  var settings = Fit.ofEpochs(epochs).batchSize(batchSize).validationSplit(validationSplit).shuffle(shuffle)
    .callbacks(*callbacks.toTypedArray()).progress(progress).distribution(distribution)
  tensorBoard?.let { settings = settings.tensorBoard(it) }
  return fit(x, y, settings)
}

/**
 * Keras-style `fit` on a [Dataset] (streamed; its own shuffling applies), with named arguments:
 * `model.fit(data, epochs = 5, validationData = valData, classWeights = mapOf(0 to 1.0, 1 to 5.0))`.
 */
fun Model.fit(
  data: Dataset,
  epochs: Int = 1,
  batchSize: Int = 32,
  validationData: Dataset? = null,
  classWeights: Map<Int, Double> = emptyMap(),
  callbacks: List<Callback> = emptyList(),
  progress: ProgressSink = ProgressSink.console(),
  tensorBoard: Path? = null,
  distribution: Distribution = Distribution.local(),
): History {
  var settings = Fit.ofEpochs(epochs).batchSize(batchSize).classWeights(classWeights)
    .callbacks(*callbacks.toTypedArray()).progress(progress).distribution(distribution)
  validationData?.let { settings = settings.validationData(it) }
  tensorBoard?.let { settings = settings.tensorBoard(it) }
  return fit(data, settings)
}

/** Loss and metrics on [x], [y]: `model.evaluate(x, y)["accuracy"]`. */
fun Model.evaluate(x: HostArray, y: HostArray, batchSize: Int = 128): Map<String, Double> =
  evaluate(listOf(x), listOf(y), batchSize)

/** Prunes every layer that has prunable weights and that [where] accepts (by name and layer). */
fun ModelSpec.pruned(spec: PruningSpec, where: (name: String, layer: Layer) -> Boolean = { _, _ -> true }): ModelSpec =
  prunedWith(spec) { layer, name, _, _ -> where(name, layer) }

/**
 * A [Callback] from lambdas, each optional, for `fit(callbacks = listOf(...))`:
 * `callback(onEpochEnd = { epoch, logs, ctx -> if (logs.getValue("loss") < 0.1) ctx.stopTraining() })`.
 */
fun callback(
  onTrainBegin: (context: Callback.TrainingContext) -> Unit = {},
  onEpochBegin: (epoch: Int, context: Callback.TrainingContext) -> Unit = { _, _ -> },
  onBatchBegin: (epoch: Int, batch: Int, context: Callback.TrainingContext) -> Unit = { _, _, _ -> },
  onBatchEnd: (epoch: Int, batch: Int, logs: Map<String, Double>, context: Callback.TrainingContext) -> Unit =
    { _, _, _, _ -> },
  onEpochEnd: (epoch: Int, logs: Map<String, Double>, context: Callback.TrainingContext) -> Unit = { _, _, _ -> },
  onTrainEnd: (logs: Map<String, Double>, context: Callback.TrainingContext) -> Unit = { _, _ -> },
): Callback = object : Callback {
  override fun onTrainBegin(context: Callback.TrainingContext) = onTrainBegin(context)
  override fun onEpochBegin(epoch: Int, context: Callback.TrainingContext) = onEpochBegin(epoch, context)
  override fun onBatchBegin(epoch: Int, batch: Int, context: Callback.TrainingContext) =
    onBatchBegin(epoch, batch, context)
  override fun onBatchEnd(epoch: Int, batch: Int, logs: Map<String, Double>, context: Callback.TrainingContext) =
    onBatchEnd(epoch, batch, logs, context)
  override fun onEpochEnd(epoch: Int, logs: Map<String, Double>, context: Callback.TrainingContext) =
    onEpochEnd(epoch, logs, context)
  override fun onTrainEnd(logs: Map<String, Double>, context: Callback.TrainingContext) = onTrainEnd(logs, context)
}

/** [Fit] settings from a block over its [Fit.Builder]: `fitSettings { epochs(2); batchSize(128) }`. */
fun fitSettings(block: Fit.Builder.() -> Unit): Fit = Fit.builder().apply(block).build()
