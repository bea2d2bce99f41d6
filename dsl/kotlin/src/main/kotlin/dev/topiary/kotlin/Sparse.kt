package dev.topiary.kotlin

import dev.topiary.dsl.Model
import dev.topiary.sparse.Format
import dev.topiary.sparse.SparseModel
import dev.topiary.sparse.SparseOptions

// The JVM sparse runtime from Kotlin (needs the topiary-sparse artifact, an optional dependency here).

/**
 * This (stripped) model as a [SparseModel]: inference in plain Java with sparse kernels.
 * [formats] fixes the format of a layer or one of its variables (by name); [calibrate] times the
 * candidate formats on this machine (otherwise a rule of thumb chooses); [int8] allows the lossy
 * int8 CSR format; [threads] splits each product by output rows; [channelMajorFrom] runs 1x1 and
 * depthwise convolution chains on channel-major planes from that many pixels (0: never; the
 * default is [SparseOptions]' own).
 */
fun Model.sparse(
    threads: Int = 1,
    calibrate: Boolean = true,
    int8: Boolean = false,
    formats: Map<String, Format> = emptyMap(),
    channelMajorFrom: Int = SparseOptions.defaults().channelMajorPixels(),
): SparseModel {
  var options = SparseOptions.defaults().threads(threads).calibrate(calibrate).int8(int8)
      .channelMajorFrom(channelMajorFrom)
  for ((name, format) in formats) {
    options = options.format(name, format)
  }
  return SparseModel.of(this, options)
}
