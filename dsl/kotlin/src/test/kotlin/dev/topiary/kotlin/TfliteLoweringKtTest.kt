package dev.topiary.kotlin

import dev.topiary.dsl.layers.BaseLayer
import dev.topiary.dsl.layers.Initializer
import dev.topiary.dsl.layers.LayerContext
import dev.topiary.dsl.layers.WeightSpec
import dev.topiary.dsl.training.Loss
import dev.topiary.ops.PruningSpec
import dev.topiary.tflite.TfliteFile
import org.assertj.core.api.Assertions.assertThat
import dev.topiary.dsl.config.ConfigRegistry
import dev.topiary.dsl.layers.LayerType
import org.junit.jupiter.api.Test
import org.tensorflow.Operand
import org.tensorflow.ndarray.Shape
import org.tensorflow.types.TFloat32

/** A layer written in Kotlin: x * w per feature, which the writer does not know. */
class KtScale private constructor(name: String?, pruning: PruningSpec?) : BaseLayer<KtScale>(name, pruning) {
  constructor() : this(null, null)

  override fun copy(name: String?, pruning: PruningSpec?) = KtScale(name, pruning)
  override fun typeName() = "KtScale"
  override fun outputShape(inputShapes: List<Shape>): Shape = requireRank(inputShapes, 2, "(batch, features)")
  override fun weights(inputShapes: List<Shape>): List<WeightSpec> =
      listOf(WeightSpec.ofTrainable("w", Shape.of(inputShapes[0].get(1)), Initializer.ONES))

  override fun call(context: LayerContext, inputs: List<Operand<TFloat32>>): Operand<TFloat32> =
      context.tf().math.mul(inputs[0], context.weight("w"))
}

class TfliteLoweringKtTest {
  @Test
  fun aKotlinLayerWritesThroughItsRegisteredLowering() {
    ConfigRegistry.registerLayer(LayerType.of("KtScale", KtScale::class.java) { KtScale() }.withTfliteLowering { _, ctx ->
      val w = ctx.weight("w")
      ctx.output(ctx.mul(ctx.inputs()[0], ctx.constant(ctx.variableName("w"), w.floats(), w.shape()[0].toInt())))
    })
    val spec = sequential {
      input(3)
      layer(KtScale())
    }
    spec.compile(Loss.meanSquaredError(), seed = 1).use { model ->
      val f = TfliteFile.parse(model.tfliteBytes(), "kt")
      assertThat(f.operators().map { it.builtinCode() }).containsExactly(18) // MUL (schema.fbs)
      assertThat(f.values(f.tensor("kt_scale_w").orElseThrow())).containsExactly(1f, 1f, 1f)
    }
  }
}
