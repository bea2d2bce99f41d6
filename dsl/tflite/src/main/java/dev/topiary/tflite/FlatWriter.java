package dev.topiary.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serialises a {@link TfliteGraph} as a TFLite model FlatBuffer (one subgraph, a {@code serving_default}
 * signature), built table by table with {@link FlatBufferBuilder} from the slots in {@link Schema}.
 * Buffer 0 is the empty sentinel the schema requires; each constant tensor gets its own buffer,
 * 16-byte aligned ({@code force_align: 16}) so that the interpreter can use it in place.
 */
final class FlatWriter {
  private FlatWriter() {}

  static byte[] write(TfliteGraph g, String description) {
    FlatBufferBuilder b = new FlatBufferBuilder(1 << 16);
    // Buffers: sentinel first, then one per constant tensor, in tensor order.
    List<Integer> bufferOffsets = new ArrayList<>();
    int[] bufferOf = new int[g.tensors.size()];
    b.startTable(Schema.Buffer.FIELDS);
    bufferOffsets.add(b.endTable());
    for (int i = 0; i < g.tensors.size(); i++) {
      byte[] data = g.tensors.get(i).data();
      if (data == null) {
        continue;
      }
      b.startVector(1, data.length, 16);
      for (int j = data.length - 1; j >= 0; j--) {
        b.putByte(data[j]);
      }
      int vec = b.endVector();
      b.startTable(Schema.Buffer.FIELDS);
      b.addOffset(Schema.Buffer.DATA, vec, 0);
      bufferOf[i] = bufferOffsets.size();
      bufferOffsets.add(b.endTable());
    }
    // The checksum's buffer: 4 zero bytes, filled in once the file is complete (see sealed).
    b.startVector(1, 4, 16);
    for (int j = 0; j < 4; j++) {
      b.putByte((byte) 0);
    }
    int checksumData = b.endVector();
    b.startTable(Schema.Buffer.FIELDS);
    b.addOffset(Schema.Buffer.DATA, checksumData, 0);
    int checksumBuffer = bufferOffsets.size();
    bufferOffsets.add(b.endTable());
    int[] tensors = new int[g.tensors.size()];
    for (int i = 0; i < tensors.length; i++) {
      tensors[i] = tensor(b, g.tensors.get(i), bufferOf[i]);
    }
    Map<Long, Integer> codeIndex = new LinkedHashMap<>();
    int[] operators = new int[g.ops.size()];
    for (int i = 0; i < operators.length; i++) {
      TfliteGraph.Op op = g.ops.get(i);
      long key = ((long) op.builtin() << 32) | op.version();
      Integer index = codeIndex.get(key);
      if (index == null) {
        index = codeIndex.size();
        codeIndex.put(key, index);
      }
      operators[i] = operator(b, op, index);
    }
    int[] codes = new int[codeIndex.size()];
    int c = 0;
    for (long key : codeIndex.keySet()) {
      int builtin = (int) (key >>> 32);
      int version = (int) key;
      b.startTable(Schema.OperatorCode.FIELDS);
      b.addInt(Schema.OperatorCode.BUILTIN_CODE, builtin, 0);
      b.addInt(Schema.OperatorCode.VERSION, version, 1);
      b.addByte(Schema.OperatorCode.DEPRECATED_BUILTIN_CODE,
          (byte) Math.min(builtin, Schema.PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
      codes[c++] = b.endTable();
    }
    int subgraphName = b.createString("main");
    int tensorVec = offsets(b, tensors);
    int inputVec = ints(b, g.inputs.stream().mapToInt(Integer::intValue).toArray());
    int outputVec = ints(b, g.outputs.stream().mapToInt(Integer::intValue).toArray());
    int opVec = offsets(b, operators);
    b.startTable(Schema.SubGraph.FIELDS);
    b.addOffset(Schema.SubGraph.TENSORS, tensorVec, 0);
    b.addOffset(Schema.SubGraph.INPUTS, inputVec, 0);
    b.addOffset(Schema.SubGraph.OUTPUTS, outputVec, 0);
    b.addOffset(Schema.SubGraph.OPERATORS, opVec, 0);
    b.addOffset(Schema.SubGraph.NAME, subgraphName, 0);
    int subgraph = b.endTable();

    int signature = signature(b, g);
    int codeVec = offsets(b, codes);
    int subgraphVec = offsets(b, new int[] {subgraph});
    int desc = b.createString(description);
    int bufferVec = offsets(b, bufferOffsets.stream().mapToInt(Integer::intValue).toArray());
    int signatureVec = offsets(b, new int[] {signature});
    int metadataName = b.createString(Schema.CHECKSUM_METADATA);
    b.startTable(Schema.Metadata.FIELDS);
    b.addOffset(Schema.Metadata.NAME, metadataName, 0);
    b.addInt(Schema.Metadata.BUFFER, checksumBuffer, 0);
    int metadataVec = offsets(b, new int[] {b.endTable()});
    b.startTable(Schema.Model.FIELDS);
    b.addInt(Schema.Model.VERSION, Schema.VERSION, 0);
    b.addOffset(Schema.Model.OPERATOR_CODES, codeVec, 0);
    b.addOffset(Schema.Model.SUBGRAPHS, subgraphVec, 0);
    b.addOffset(Schema.Model.DESCRIPTION, desc, 0);
    b.addOffset(Schema.Model.BUFFERS, bufferVec, 0);
    b.addOffset(Schema.Model.SIGNATURE_DEFS, signatureVec, 0);
    b.addOffset(Schema.Model.METADATA, metadataVec, 0);
    b.finish(b.endTable(), Schema.FILE_IDENTIFIER);
    return sealed(b.sizedByteArray());
  }

  /** {@code bytes} with the CRC-32 of the whole file (its own 4 bytes zero) in the checksum's buffer. */
  private static byte[] sealed(byte[] bytes) {
    int at = TfliteFile.checksumPosition(bytes);
    java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(at, TfliteFile.crc32(bytes, at));
    return bytes;
  }

  private static int tensor(FlatBufferBuilder b, TfliteGraph.Tensor t, int buffer) {
    int name = b.createString(t.name());
    int shape = ints(b, t.shape());
    int signature = t.signature() == null ? 0 : ints(b, t.signature());
    int quant = t.quantization() == null ? 0 : quantization(b, t.quantization());
    int sparsity = t.sparsity() == null ? 0 : sparsity(b, t.sparsity());
    b.startTable(Schema.Tensor.FIELDS);
    b.addOffset(Schema.Tensor.SHAPE, shape, 0);
    b.addByte(Schema.Tensor.TYPE, t.type(), 0);
    b.addInt(Schema.Tensor.BUFFER, buffer, 0);
    b.addOffset(Schema.Tensor.NAME, name, 0);
    b.addOffset(Schema.Tensor.QUANTIZATION, quant, 0);
    b.addOffset(Schema.Tensor.SPARSITY, sparsity, 0);
    b.addOffset(Schema.Tensor.SHAPE_SIGNATURE, signature, 0);
    b.addBoolean(Schema.Tensor.HAS_RANK, true, false);
    return b.endTable();
  }

  private static int quantization(FlatBufferBuilder b, TfliteGraph.Quantization q) {
    b.startVector(4, q.scales().length, 4);
    for (int i = q.scales().length - 1; i >= 0; i--) {
      b.addFloat(q.scales()[i]);
    }
    int scales = b.endVector();
    b.startVector(8, q.scales().length, 8);
    for (int i = 0; i < q.scales().length; i++) {
      b.addLong(0);
    }
    int zeros = b.endVector();
    b.startTable(Schema.Quantization.FIELDS);
    b.addOffset(Schema.Quantization.SCALE, scales, 0);
    b.addOffset(Schema.Quantization.ZERO_POINT, zeros, 0);
    b.addInt(Schema.Quantization.QUANTIZED_DIMENSION, q.dimension(), 0);
    return b.endTable();
  }

  private static int sparsity(FlatBufferBuilder b, TfliteGraph.Sparsity s) {
    int[] dims = new int[s.dims().size()];
    for (int i = 0; i < dims.length; i++) {
      TfliteGraph.Dim d = s.dims().get(i);
      if (!d.sparse()) {
        b.startTable(Schema.DimensionMetadata.FIELDS);
        b.addByte(Schema.DimensionMetadata.FORMAT, Schema.DENSE, 0);
        b.addInt(Schema.DimensionMetadata.DENSE_SIZE, d.denseSize(), 0);
        dims[i] = b.endTable();
        continue;
      }
      byte segType = indexType(d.segments());
      int segments = indexVector(b, d.segments(), segType);
      byte idxType = indexType(d.indices());
      int indices = indexVector(b, d.indices(), idxType);
      b.startTable(Schema.DimensionMetadata.FIELDS);
      b.addByte(Schema.DimensionMetadata.FORMAT, Schema.SPARSE_CSR, 0);
      b.addByte(Schema.DimensionMetadata.SEGMENTS_TYPE, segType, 0);
      b.addOffset(Schema.DimensionMetadata.SEGMENTS, segments, 0);
      b.addByte(Schema.DimensionMetadata.INDICES_TYPE, idxType, 0);
      b.addOffset(Schema.DimensionMetadata.INDICES, indices, 0);
      dims[i] = b.endTable();
    }
    int order = ints(b, s.traversalOrder());
    int blockMap = s.blockMap().length == 0 ? 0 : ints(b, s.blockMap());
    int dimVec = offsets(b, dims);
    b.startTable(Schema.Sparsity.FIELDS);
    b.addOffset(Schema.Sparsity.TRAVERSAL_ORDER, order, 0);
    b.addOffset(Schema.Sparsity.BLOCK_MAP, blockMap, 0);
    b.addOffset(Schema.Sparsity.DIM_METADATA, dimVec, 0);
    return b.endTable();
  }

  /** The narrowest index vector that holds every value, as the converter chooses. */
  static byte indexType(int[] values) {
    int max = 0;
    for (int v : values) {
      max = Math.max(max, v);
    }
    return max <= 0xFF ? Schema.UINT8_VECTOR : max <= 0xFFFF ? Schema.UINT16_VECTOR : Schema.INT32_VECTOR;
  }

  private static int indexVector(FlatBufferBuilder b, int[] values, byte type) {
    int n = values.length;
    switch (type) {
      case Schema.UINT8_VECTOR -> {
        b.startVector(1, n, 4);
        for (int i = n - 1; i >= 0; i--) {
          b.putByte((byte) values[i]);
        }
      }
      case Schema.UINT16_VECTOR -> {
        b.startVector(2, n, 4);
        for (int i = n - 1; i >= 0; i--) {
          b.putShort((short) values[i]);
        }
      }
      default -> {
        b.startVector(4, n, 4);
        for (int i = n - 1; i >= 0; i--) {
          b.putInt(values[i]);
        }
      }
    }
    int vec = b.endVector();
    b.startTable(Schema.IndexVector.FIELDS);
    b.addOffset(Schema.IndexVector.VALUES, vec, 0);
    return b.endTable();
  }

  private static int operator(FlatBufferBuilder b, TfliteGraph.Op op, int codeIndex) {
    int inputs = ints(b, op.inputs());
    int outputs = ints(b, op.outputs());
    int options = 0;
    if (op.options().type() != Schema.OPT_NONE) {
      b.startTable(op.options().fields());
      for (TfliteGraph.Field f : op.options().values()) {
        switch (f.kind()) {
          case 'b' -> b.addByte(f.slot(), (byte) f.value(), 0);
          case 'i' -> b.addInt(f.slot(), (int) f.value(), 0);
          case 'z' -> b.addBoolean(f.slot(), f.value() != 0, false);
          case 'f' -> b.addFloat(f.slot(), (float) f.value(), 0);
          default -> throw new IllegalStateException("option kind " + f.kind());
        }
      }
      options = b.endTable();
    }
    b.startTable(Schema.Operator.FIELDS);
    b.addInt(Schema.Operator.OPCODE_INDEX, codeIndex, 0);
    b.addOffset(Schema.Operator.INPUTS, inputs, 0);
    b.addOffset(Schema.Operator.OUTPUTS, outputs, 0);
    b.addByte(Schema.Operator.OPTIONS_TYPE, op.options().type(), 0);
    b.addOffset(Schema.Operator.OPTIONS, options, 0);
    return b.endTable();
  }

  private static int signature(FlatBufferBuilder b, TfliteGraph g) {
    int inputs = tensorMaps(b, g.inputNames, g.inputs);
    int outputs = tensorMaps(b, g.outputNames, g.outputs);
    int key = b.createString("serving_default");
    b.startTable(Schema.SignatureDef.FIELDS);
    b.addOffset(Schema.SignatureDef.INPUTS, inputs, 0);
    b.addOffset(Schema.SignatureDef.OUTPUTS, outputs, 0);
    b.addOffset(Schema.SignatureDef.SIGNATURE_KEY, key, 0);
    b.addInt(Schema.SignatureDef.SUBGRAPH_INDEX, 0, 0);
    return b.endTable();
  }

  private static int tensorMaps(FlatBufferBuilder b, List<String> names, List<Integer> tensors) {
    int[] maps = new int[names.size()];
    for (int i = 0; i < maps.length; i++) {
      int name = b.createString(names.get(i));
      b.startTable(Schema.TensorMap.FIELDS);
      b.addOffset(Schema.TensorMap.NAME, name, 0);
      b.addInt(Schema.TensorMap.TENSOR_INDEX, tensors.get(i), 0);
      maps[i] = b.endTable();
    }
    return offsets(b, maps);
  }

  private static int ints(FlatBufferBuilder b, int[] values) {
    b.startVector(4, values.length, 4);
    for (int i = values.length - 1; i >= 0; i--) {
      b.addInt(values[i]);
    }
    return b.endVector();
  }

  private static int offsets(FlatBufferBuilder b, int[] tables) {
    b.startVector(4, tables.length, 4);
    for (int i = tables.length - 1; i >= 0; i--) {
      b.addOffset(tables[i]);
    }
    return b.endVector();
  }
}
