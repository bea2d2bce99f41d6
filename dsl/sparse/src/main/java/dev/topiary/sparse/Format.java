package dev.topiary.sparse;

/**
 * How one weight matrix is stored and multiplied. Block and 2:4 shapes are named as pruning names them
 * on a Keras kernel {@code [in, out]}: a 1x4 block is 1 input by 4 outputs, 4x1 is 4 inputs by 1 output,
 * 2:4 keeps at most 2 of every 4 consecutive inputs of each output.
 */
public enum Format {
  /** Every weight, row-major. */
  DENSE,
  /** Unstructured: compressed sparse rows (value + column index per non-zero). */
  CSR,
  /** CSR with int8 values and a float scale per output row (lossy: within scale / 2 per weight). */
  CSR_INT8,
  /** 1x4 blocks: 4 outputs share one input index. Exact for any matrix; zeros inside a block are stored. */
  BLOCK_1X4,
  /** 4x1 blocks: 4 consecutive inputs of one output share one index. Exact for any matrix. */
  BLOCK_4X1,
  /** 2:4 (m-by-n with m = n / 2 = 2): 2 values and 2-bit offsets per group of 4 inputs; only for matrices that fit. */
  TWO_FOUR,
  /**
   * Every weight in a TF Java session's MatMul (native memory; closed with the sparse model): the TF
   * subgraph for large matrices where TF's MatMul beats the Java dense kernel (larger batches on some
   * CPUs). A calibration candidate for matrices of at least 2^18 weights outside recurrences.
   */
  TF_DENSE
}
