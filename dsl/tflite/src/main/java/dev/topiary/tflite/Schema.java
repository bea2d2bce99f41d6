package dev.topiary.tflite;

/**
 * The part of TensorFlow Lite's FlatBuffer schema ({@code tensorflow/compiler/mlir/lite/schema/schema.fbs},
 * schema version 3) that Topiary writes and reads: enum values and the field slot of each table field.
 * A table field's slot is its position in the table's declaration (a union field takes two slots:
 * its {@code _type} byte, then the value). Every number here was checked against the converter's own
 * generated Python schema ({@code tensorflow.lite.python.schema_py_generated}) of TF 2.21.
 */
final class Schema {
  private Schema() {}

  static final String FILE_IDENTIFIER = "TFL3";
  static final int VERSION = 3;

  // TensorType
  static final byte FLOAT32 = 0;
  static final byte INT32 = 2;
  static final byte INT8 = 9;
  static final byte BOOL = 6;

  // BuiltinOperator
  static final int ADD = 0;
  static final int AVERAGE_POOL_2D = 1;
  static final int CONCATENATION = 2;
  static final int CONV_2D = 3;
  static final int DEPTHWISE_CONV_2D = 4;
  static final int DEQUANTIZE = 6;
  static final int FULLY_CONNECTED = 9;
  static final int LOGISTIC = 14;
  static final int MAX_POOL_2D = 17;
  static final int MUL = 18;
  static final int RELU = 19;
  static final int RELU6 = 21;
  static final int RESHAPE = 22;
  static final int SOFTMAX = 25;
  static final int TANH = 28;
  static final int GATHER = 36;
  static final int MEAN = 40;
  static final int EXP = 47;
  static final int CAST = 53;
  static final int REDUCE_MAX = 82;
  static final int EQUAL = 71;
  static final int NOT_EQUAL = 72;
  static final int ELU = 111;
  static final int DENSIFY = 124;
  static final int BATCH_MATMUL = 126;
  /** Codes below this one are also written to the deprecated byte field (as the converter does). */
  static final int PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
  static final int GELU = 150;
  static final int HARD_SWISH = 117;
  // Used by the primitives back end (LoweredLayer), codes as in TFLite's schema.fbs.
  static final int PAD = 34;
  static final int TRANSPOSE = 39;
  static final int SLICE = 65;
  static final int TILE = 69;
  static final int SUB = 41;
  static final int DIV = 42;
  static final int MAXIMUM = 55;
  static final int MINIMUM = 57;
  static final int NEG = 59;
  static final int GREATER = 61;
  static final int LOG = 73;
  static final int SQRT = 75;
  static final int RSQRT = 76;
  static final int SQUARE = 92;
  static final int ABS = 101;

  // BuiltinOptions union (0 = NONE)
  static final byte OPT_NONE = 0;
  static final byte OPT_CONV_2D = 1;
  static final byte OPT_DEPTHWISE_CONV_2D = 2;
  static final byte OPT_POOL_2D = 5;
  static final byte OPT_FULLY_CONNECTED = 8;
  static final byte OPT_SOFTMAX = 9;
  static final byte OPT_CONCATENATION = 10;
  static final byte OPT_ADD = 11;
  static final byte OPT_MUL = 21;
  static final byte OPT_GATHER = 23;
  static final byte OPT_REDUCER = 27;
  static final byte OPT_CAST = 37;
  static final byte OPT_BATCH_MATMUL = 101;
  static final byte OPT_GELU = 116;

  // Padding
  static final byte SAME = 0;
  static final byte VALID = 1;

  // ActivationFunctionType
  static final byte ACT_NONE = 0;
  static final byte ACT_RELU = 1;
  static final byte ACT_RELU6 = 3;

  // DimensionType
  static final byte DENSE = 0;
  static final byte SPARSE_CSR = 1;

  // SparseIndexVector union
  static final byte INT32_VECTOR = 1;
  static final byte UINT16_VECTOR = 2;
  static final byte UINT8_VECTOR = 3;

  /** Field slots, per table. */
  static final class Model {
    static final int VERSION = 0, OPERATOR_CODES = 1, SUBGRAPHS = 2, DESCRIPTION = 3, BUFFERS = 4,
        METADATA = 6, SIGNATURE_DEFS = 7, FIELDS = 8;
  }

  /** {@code table Metadata { name: string; buffer: uint; }}: a named buffer, ignored by the interpreter. */
  static final class Metadata {
    static final int NAME = 0, BUFFER = 1, FIELDS = 2;
  }

  /**
   * The name of the metadata entry whose 4-byte buffer holds the CRC-32 (little-endian) of the whole
   * file, read with those 4 bytes as zeros: Topiary's integrity check of the files it writes.
   */
  static final String CHECKSUM_METADATA = "topiary_crc32";

  static final class OperatorCode {
    static final int DEPRECATED_BUILTIN_CODE = 0, VERSION = 2, BUILTIN_CODE = 3, FIELDS = 4;
  }

  static final class SubGraph {
    static final int TENSORS = 0, INPUTS = 1, OUTPUTS = 2, OPERATORS = 3, NAME = 4, FIELDS = 5;
  }

  static final class Buffer {
    static final int DATA = 0, OFFSET = 1, FIELDS = 3;
  }

  static final class Tensor {
    static final int SHAPE = 0, TYPE = 1, BUFFER = 2, NAME = 3, QUANTIZATION = 4, SPARSITY = 6,
        SHAPE_SIGNATURE = 7, HAS_RANK = 8, FIELDS = 9;
  }

  static final class Quantization {
    static final int SCALE = 2, ZERO_POINT = 3, DETAILS_TYPE = 4, QUANTIZED_DIMENSION = 6, FIELDS = 7;
  }

  static final class Sparsity {
    static final int TRAVERSAL_ORDER = 0, BLOCK_MAP = 1, DIM_METADATA = 2, FIELDS = 3;
  }

  static final class DimensionMetadata {
    static final int FORMAT = 0, DENSE_SIZE = 1, SEGMENTS_TYPE = 2, SEGMENTS = 3, INDICES_TYPE = 4, INDICES = 5,
        FIELDS = 6;
  }

  /** Int32Vector, Uint16Vector and Uint8Vector: one field, {@code values}. */
  static final class IndexVector {
    static final int VALUES = 0, FIELDS = 1;
  }

  static final class Operator {
    static final int OPCODE_INDEX = 0, INPUTS = 1, OUTPUTS = 2, OPTIONS_TYPE = 3, OPTIONS = 4, FIELDS = 5;
  }

  static final class TensorMap {
    static final int NAME = 0, TENSOR_INDEX = 1, FIELDS = 2;
  }

  static final class SignatureDef {
    static final int INPUTS = 0, OUTPUTS = 1, SIGNATURE_KEY = 2, SUBGRAPH_INDEX = 4, FIELDS = 5;
  }

  /** Conv2DOptions. */
  static final class Conv2D {
    static final int PADDING = 0, STRIDE_W = 1, STRIDE_H = 2, ACTIVATION = 3, DILATION_W = 4, DILATION_H = 5,
        FIELDS = 6;
  }

  /** DepthwiseConv2DOptions. */
  static final class Depthwise {
    static final int PADDING = 0, STRIDE_W = 1, STRIDE_H = 2, DEPTH_MULTIPLIER = 3, ACTIVATION = 4, DILATION_W = 5,
        DILATION_H = 6, FIELDS = 7;
  }

  /** Pool2DOptions. */
  static final class Pool2D {
    static final int PADDING = 0, STRIDE_W = 1, STRIDE_H = 2, FILTER_W = 3, FILTER_H = 4, ACTIVATION = 5, FIELDS = 6;
  }

  /** FullyConnectedOptions. */
  static final class FullyConnected {
    static final int ACTIVATION = 0, KEEP_NUM_DIMS = 2, ASYMMETRIC_QUANTIZE_INPUTS = 3, FIELDS = 4;
  }

  /** SoftmaxOptions. */
  static final class Softmax {
    static final int BETA = 0, FIELDS = 1;
  }

  /** ConcatenationOptions. */
  static final class Concatenation {
    static final int AXIS = 0, ACTIVATION = 1, FIELDS = 2;
  }

  /** AddOptions and MulOptions: the fused activation first. */
  static final class Binary {
    static final int ACTIVATION = 0, FIELDS = 1;
  }

  /** GatherOptions. */
  static final class Gather {
    static final int AXIS = 0, FIELDS = 2;
  }

  /** ReducerOptions. */
  static final class Reducer {
    static final int KEEP_DIMS = 0, FIELDS = 1;
  }

  /** CastOptions. */
  static final class Cast {
    static final int IN_TYPE = 0, OUT_TYPE = 1, FIELDS = 2;
  }

  /** GeluOptions. */
  static final class Gelu {
    static final int APPROXIMATE = 0, FIELDS = 1;
  }

  /** BatchMatMulOptions. */
  static final class BatchMatMul {
    static final int ADJ_X = 0, ADJ_Y = 1, ASYMMETRIC_QUANTIZE_INPUTS = 2, FIELDS = 3;
  }
}
