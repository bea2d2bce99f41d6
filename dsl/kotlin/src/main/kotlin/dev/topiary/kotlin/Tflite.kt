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
 * Registers how layers of exactly type [L] (your own layer) become TFLite builtins
 * ([dev.topiary.tflite.TfliteLowerings.register]): `registerTfliteLowering<MyLayer> { layer, ctx -> ctx.output(...) }`.
 */
inline fun <reified L : dev.topiary.dsl.layers.Layer> registerTfliteLowering(
    crossinline lowering: (L, dev.topiary.tflite.LoweringContext) -> Unit,
) = dev.topiary.tflite.TfliteLowerings.register(L::class.java) { layer, ctx -> lowering(layer, ctx) }
