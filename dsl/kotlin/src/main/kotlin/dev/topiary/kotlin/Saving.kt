package dev.topiary.kotlin

import dev.topiary.dsl.Model
import dev.topiary.dsl.export.ReadLimits
import dev.topiary.dsl.saving.Saving
import dev.topiary.dsl.training.Compile
import java.nio.file.Path

/**
 * Writes this model in the format its file name asks for (`.keras`, `.h5`, `.tflite`, `.tpsw`; no extension:
 * a Topiary model directory), or in [format] (`"savedmodel"`, `"tflite:int8"`) ([Saving.save]).
 */
fun Model.save(path: Path, format: String? = null) =
    if (format == null) Saving.save(this, path) else Saving.save(this, path, format)

/** The model in [path], whatever its format (recognised from the content), built with [compile] ([Saving.load]). */
fun loadModel(path: Path, compile: Compile): Model = Saving.load(path, compile)

/** Loads the weights in [path] (`.tflite`, `.tpsw`, a checkpoint, a Keras file, a model directory) into this model. */
fun Model.loadWeights(path: Path) = Saving.loadWeights(this, path)

/**
 * The memory every model-file read may take, in bytes ([ReadLimits.budget]; default half the max heap);
 * setting it applies to every thread ([ReadLimits.setBudget]).
 */
var readBudget: Long
    get() = ReadLimits.budget()
    set(bytes) = ReadLimits.setBudget(bytes)

/**
 * Runs [block] with [bytes] as the read budget of the file reads this thread makes meanwhile
 * ([ReadLimits.withBudget]), e.g. to load a file a user uploaded under a tighter budget.
 */
fun <T> withReadBudget(bytes: Long, block: () -> T): T = ReadLimits.withBudget(bytes) { block() }
