package dev.topiary.tflite;

/** How a {@code .tflite} file stores the weights. */
public enum TfliteFlavour {
  /** Every weight as float32. */
  FLOAT32,
  /**
   * Dynamic-range quantization, as the converter's {@code Optimize.DEFAULT}: conv, depthwise and fully
   * connected weights of at least 1,024 elements as symmetric int8 with one scale per output channel,
   * embeddings per tensor (a DEQUANTIZE after the GATHER); activations stay float.
   */
  INT8,
  /**
   * Float32, pruned weights in TFLite's sparse encoding ({@code SparsityParameters}, as the converter's
   * {@code EXPERIMENTAL_SPARSITY}): CSR along the last dimension read through a DENSIFY op, or 1x4 blocks
   * fed to FULLY_CONNECTED directly; each weight takes the smallest of dense, CSR and blocks.
   */
  SPARSE,
  /**
   * {@link #INT8}, then the int8 weights' zeros in CSR (as the converter), densified and dequantised once
   * (DENSIFY, DEQUANTIZE) so that the op runs in float: the converter's hybrid op on densified int8
   * weights fails to prepare under TFLite's default XNNPACK delegate.
   */
  SPARSE_INT8;

  boolean int8() {
    return this == INT8 || this == SPARSE_INT8;
  }

  boolean sparse() {
    return this == SPARSE || this == SPARSE_INT8;
  }
}
