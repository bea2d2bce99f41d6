package dev.topiary.kotlin.docs

import dev.topiary.dsl.Model
import dev.topiary.dsl.ModelSpec
import dev.topiary.dsl.config.ConfigRegistry
import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.layers.LayerType
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.data.io.ImageFolderDataset
import dev.topiary.dsl.training.Loss
import dev.topiary.dsl.training.Metric
import dev.topiary.kotlin.*
import dev.topiary.ops.PruningSpec
import dev.topiary.dsl.layers.KerasForm
import dev.topiary.samples.custom.ScaledDense
import dev.topiary.sparse.Format
import dev.topiary.tflite.TfliteFlavour
import java.nio.file.Path

// The Kotlin snippets of docs/guides/*.md, verbatim between the markers (the tests module's
// DocSnippetsTest checks the text; this module's build compiles it).

fun tutorialModel(x: HostArray, y: HostArray) {
    // [snippet:PruneTutorialCnnKt]
    val spec = sequential {
        input(28, 28)
        reshape(28, 28, 1)
        conv2d(12, 3) { activation = relu }
        maxPooling2d(2)
        flatten()
        dense(10) { prunable(polynomialDecay(0.5, 0.8, begin = 0, end = 110, frequency = 10)) }
    }
    spec.compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY), seed = 42).use { model ->
        model.fit(x, y, epochs = 2, batchSize = 128, validationSplit = 0.1)
        model.strip().use { small -> println(small.summary()) }
    }
    // [end:PruneTutorialCnnKt]
}

fun structured(spec: ModelSpec): ModelSpec {
    // [snippet:StructuredKt]
    val blocks = sequential {
        input(784)
        dense(256) { activation = relu; prunable(constantSparsity(0.8), block = 1 to 4) }
        dense(10) { prunable(constantSparsity(0.5), mByN = 2 to 4) }
    }
    val onlyDense = spec.pruned(PruningSpec.of(constantSparsity(0.8))) { name, _ -> name.startsWith("dense") }
    // [end:StructuredKt]
    return onlyDense
}

fun functionalAndSettings(file: Path) {
    // [snippet:FunctionalKt]
    val spec = functional {
        val x = input(784)
        output(dense(10)(dense(64) { activation = relu }(x)))
    }
    val fit = fitSettings { epochs(4); batchSize(128); checkpoints(file, 100) }
    // [end:FunctionalKt]
}

fun callbacks(spec: ModelSpec, x: HostArray, y: HostArray, loss: Loss) {
    // [snippet:CallbacksKt]
    val model = spec.compile(loss, optimizer = sgd(exponentialDecay(0.1, decaySteps = 1000, decayRate = 0.96), momentum = 0.9f))
    model.fit(x, y, epochs = 100, validationSplit = 0.1, callbacks = listOf(
        earlyStopping(monitor = "val_loss", patience = 3, restoreBestWeights = true),
        modelCheckpoint(Path.of("best"), monitor = "val_accuracy", saveBestOnly = true),
        csvLogger(Path.of("training.csv")),
        reduceLrOnPlateau(factor = 0.5, patience = 2)))
    // [end:CallbacksKt]
    // [snippet:OwnCallbackKt]
    model.fit(x, y, epochs = 10, validationSplit = 0.1, callbacks = listOf(
        callback(onEpochEnd = { _, logs, ctx -> if (logs.getValue("val_loss") < 0.3) ctx.stopTraining() })))
    // [end:OwnCallbackKt]
    model.close()
}

fun data(x: Array<FloatArray>, y: IntArray, path: Path, features: (Int) -> FloatArray, label: (Int) -> Int) {
    // [snippet:DataKt]
    val train = dataset(x, y) { shuffle(1000, seed = 1); batch(64); prefetch() }
    val big = generatedDataset(size = 1_000_000) { (0 until 1_000_000).asSequence().map { example(features(it), label(it)) } }
    val records = tfRecordDataset(path, features = { floatInput("image", 28, 28).intLabel("label") }) { shuffle(10_000, seed = 1) }
    // [end:DataKt]
}

fun images(flowers: Path) {
    // [snippet:ImagesKt]
    val train = imageFolderDataset(flowers, image = imageDecoding(180, 180), validationSplit = 0.2,
        subset = ImageFolderDataset.Subset.TRAINING, seed = 123, shuffleSeed = 123, decodeThreads = 2) {
        augment(imageAugmentation(seed = 1) { flipHorizontal(); translate(0.1, 0.1); contrast(0.2) })
        batch(32); prefetch()
    }
    val val_ = imageFolderDataset(flowers, image = imageDecoding(180, 180), validationSplit = 0.2,
        subset = ImageFolderDataset.Subset.VALIDATION, seed = 123) { batch(32) }
    val records = tfRecordDataset(flowers.resolve("train-00000-of-01024"), features = {
        imageInput("image/encoded", imageDecoding(224, 224, centralCrop = 0.875)).intLabel("image/class/label", -1)
    })
    // [end:ImagesKt]
}

fun global(spec: ModelSpec, trained: Model, validation: Dataset, end: Long) {
    // [snippet:GlobalKt]
    val group = globalPruning(polynomialDecay(0.5, 0.95, begin = 0, end = 114, frequency = 10), keepAtLeast = 10)
    val pruned = spec.prunedGlobally(group, layers = listOf("conv2d", "dense"))
    // [end:GlobalKt]
    // [snippet:SensitivityKt]
    val report = trained.sensitivity(validation, grid = listOf(0.5, 0.8, 0.9, 0.95, 0.98))
    val guided = report.prune(spec, total = 0.95) { t -> polynomialDecay(minOf(0.5, t), t, begin = 0, end = end, frequency = 10) }
    // [end:SensitivityKt]
}

fun distillation(prunedSpec: ModelSpec, teacher: Model, x: HostArray, y: HostArray) {
    // [snippet:DistillationKt]
    val student = prunedSpec.compile(distillation(temperature = 2.0, alpha = 0.5))
    student.fit(x, distillationLabels(y, teacher.predict(x)), epochs = 2)
    // [end:DistillationKt]
    student.close()
}

fun keras(x: HostArray, y: HostArray) {
    // [snippet:KerasKt]
    val keras = kerasModel(Path.of("mnist_cnn.keras"))
    keras.compile(Loss.sparseCategoricalCrossentropy(true), metrics = listOf(Metric.ACCURACY),
        spec = keras.spec().prunedWith(PruningSpec.of(constantSparsity(0.8)))).use { model ->
        model.fit(x, y, epochs = 2)
        model.strip().use { it.saveKeras(Path.of("pruned.keras")) }
    }
    // [end:KerasKt]
}

fun kerasStartUp() {
    // [snippet:KerasStartUpKt]
    val keras = kerasModel(Path.of("mnist_cnn.keras"), preloadTensorFlow = true)  // TF loads meanwhile
    // [end:KerasStartUpKt]
    keras.spec()
}

fun kerasForm() {
    // [snippet:KerasFormKt]
    ConfigRegistry.registerLayer(ScaledDense.TYPE.withKerasForm(
        KerasForm.of("my_layers>ScaledDense", "units").withConstant("use_bias", true).ignoring("seed")))
    // [end:KerasFormKt]
}

fun tflite(model: Model) {
    // [snippet:TfliteKt]
    model.exportTflite(Path.of("mnist.tflite"), TfliteFlavour.SPARSE)    // topiary-tflite on the class path
    val back = model.spec().weightsFrom(readTflite(Path.of("mnist.tflite")))
    // [end:TfliteKt]
}

fun tfliteLowering(kernelOutIn: FloatArray, units: Int, inputs: Int) {
    // [snippet:TfliteLoweringKt]
    ConfigRegistry.registerLayer(LayerType.of("ScaledDense", ScaledDense::class.java) { s -> ScaledDense.of(s.getInt("units")) }
        .withTfliteLowering { layer, ctx ->
            val w = ctx.fullyConnectedKernel(ctx.variableName("kernel"), kernelOutIn, units, inputs)
            val scale = ctx.constant(ctx.variableName("scale"), ctx.weight("scale").floats(), units)
            ctx.output(ctx.mul(ctx.fullyConnected(ctx.inputs()[0], w, -1), scale))
        })
    // [end:TfliteLoweringKt]
}

fun distributed(model: Model, x: HostArray, y: HostArray, cluster: List<String>, index: Int, dataset: Dataset) {
    // [snippet:DistributedKt]
    model.fit(x, y, epochs = 2, batchSize = 384, distribution = multiWorker("10.0.0.1:2222", "10.0.0.2:2222", "10.0.0.3:2222"))
    // [end:DistributedKt]
    // [snippet:WorkerInputKt]
    model.fitOnWorkers(multiWorker(listOf("10.0.0.1:2222", "10.0.0.2:2222", "10.0.0.3:2222"), stepsPerEpoch = 100),
        epochs = 2, batchSize = 384)
    // [end:WorkerInputKt]
    // [snippet:ServeWorkerKt]
    serveWorker(cluster, index) { ctx -> dataset.shard(ctx.workers(), ctx.index()) }   // blocks
    // [end:ServeWorkerKt]
}

fun sparse(stripped: Model, x: HostArray) {
    // [snippet:SparseKt]
    stripped.sparse(threads = 2, formats = mapOf("dense_1" to Format.BLOCK_1X4)).use { fast ->
        val y = fast.predict(x)
        fast.plan().forEach(::println)
    }
    // [end:SparseKt]
}

fun readBudgetKt(upload: Path, compile: dev.topiary.dsl.training.Compile) {
    // [snippet:ReadBudgetKt]
    readBudget = 512L shl 20                                           // every read in this JVM
    val model = withReadBudget(64L shl 20) { loadModel(upload, compile) }   // this thread, this read
    // [end:ReadBudgetKt]
    model.close()
}

fun savingKt(model: Model, spec: ModelSpec, compile: dev.topiary.dsl.training.Compile) {
    // [snippet:SavingAnyFormatKt]
    model.save(Path.of("mnist.keras"))
    model.save(Path.of("mnist-int8.tflite"), "tflite:int8")
    loadModel(Path.of("mnist.keras"), compile).use { back -> println(back.summary()) }
    spec.compile(compile).use { fresh -> fresh.loadWeights(Path.of("mnist-int8.tflite")) }
    // [end:SavingAnyFormatKt]
}
