package dev.topiary.kotlin

import dev.topiary.dsl.Model
import dev.topiary.dsl.ModelSpec
import dev.topiary.dsl.layers.KerasForm
import dev.topiary.dsl.layers.Layer
import dev.topiary.dsl.layers.LayerType
import dev.topiary.dsl.training.Compile
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.dsl.training.Optimizer
import dev.topiary.keras.KerasModel
import dev.topiary.keras.KerasModels
import dev.topiary.ops.TensorFlowRuntime
import java.nio.file.Path

// Keras interop from Kotlin. topiary-keras is an optional dependency of this module: Kotlin users
// who call these add dev.topiary:topiary-keras themselves (the DSL alone never needs it), and the
// dependency points one way (kotlin -> keras -> dsl).

/**
 * Reads a Keras 3 `.keras` or legacy `.h5` file: its architecture ([KerasModel.spec]) and weights.
 * [preloadTensorFlow]: TF's native library loads on another thread while the file is read
 * ([TensorFlowRuntime.preload]), for a model compiled next.
 */
fun kerasModel(path: Path, preloadTensorFlow: Boolean = false): KerasModel {
  if (preloadTensorFlow) {
    TensorFlowRuntime.preload()
  }
  return KerasModels.read(path)
}

/**
 * Builds [spec] (the Keras architecture, or e.g. `spec.prunedWith(...)` of it) with named compile
 * arguments and loads the Keras weights. Close the model, e.g. with `use { }`.
 */
fun KerasModel.compile(
  loss: Loss,
  optimizer: Optimizer = Optimizer.adam(),
  metrics: List<Metric> = emptyList(),
  seed: Long = 0,
  spec: ModelSpec = this.spec(),
): Model = compile(spec, Compile.of(optimizer, loss).metrics(*metrics.toTypedArray()).seed(seed))

/** Writes this model as a Keras file: `.keras` (Keras 3) or `.h5` (legacy), by the name's ending. */
fun Model.saveKeras(path: Path) = KerasModels.save(this, path)

/**
 * This layer type with [form] as its Keras file form: register the result with
 * `ConfigRegistry.registerLayer` and Keras files read and write the layer (see [KerasForm]).
 */
fun <L : Layer> LayerType<L>.withKerasForm(form: KerasForm): LayerType<L> = with(KerasForm::class.java, form)
