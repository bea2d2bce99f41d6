package dev.topiary.kotlin

import dev.topiary.dsl.Model
import dev.topiary.dsl.ModelSpec
import dev.topiary.dsl.data.HostArray
import dev.topiary.tflite.TfliteExport
import dev.topiary.tflite.TfliteFile
import dev.topiary.tflite.TfliteFlavour
import dev.topiary.tflite.TfliteWeights
import java.nio.file.Path

// The .tflite writer from Kotlin (needs the topiary-tflite artifact, an optional dependency here).

/** Writes this model, stripped, as a `.tflite` file in [flavour] ([TfliteExport.write]). */
fun Model.exportTflite(file: Path, flavour: TfliteFlavour = TfliteFlavour.FLOAT32) =
    TfliteExport.write(this, file, flavour)

/** The `.tflite` bytes of this model, stripped ([TfliteExport.bytes]). */
fun Model.tfliteBytes(flavour: TfliteFlavour = TfliteFlavour.FLOAT32): ByteArray = TfliteExport.bytes(this, flavour)

/** This model definition's weights read back from a `.tflite` file written for it ([TfliteWeights.read]). */
fun ModelSpec.weightsFrom(file: TfliteFile): Map<String, HostArray> = TfliteWeights.read(file, this)

/** Reads and checks a `.tflite` file ([TfliteFile.read]). */
fun readTflite(file: Path): TfliteFile = TfliteFile.read(file)

/**
 * This layer type with a TFLite lowering for layers of exactly its class (your own layer), as one part of
 * its registration: `ConfigRegistry.registerLayer(LayerType.of("MyLayer", MyLayer::class.java) { MyLayer() }
 * .withTfliteLowering { layer, ctx -> ctx.output(...) })`. Layers described in primitives
 * ([dev.topiary.dsl.layers.LoweredLayer]) need none.
 */
inline fun <L : dev.topiary.dsl.layers.Layer> dev.topiary.dsl.layers.LayerType<L>.withTfliteLowering(
    crossinline lowering: (L, dev.topiary.tflite.LoweringContext) -> Unit,
): dev.topiary.dsl.layers.LayerType<L> =
    with(dev.topiary.tflite.TfliteLowering::class.java, dev.topiary.tflite.TfliteLowering<L> { layer, ctx -> lowering(layer, ctx) })
