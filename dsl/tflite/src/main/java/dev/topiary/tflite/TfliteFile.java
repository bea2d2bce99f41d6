package dev.topiary.tflite;

import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.ReadLimits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@code .tflite} file read back: its tensors (shapes, types, quantization, sparsity), operators and
 * signature, every offset bounds-checked ({@link FlatReader}), and any constant tensor's values as
 * dense float32 ({@link #values}: densified and dequantised). Reads what Topiary writes and the
 * converter's files of the same operators; {@link TfliteWeights} turns them back into model weights.
 */
public final class TfliteFile {
  /** {@code DimensionMetadata}: a dense dimension (its size) or a CSR one (segments and indices). */
  public record Dim(boolean sparse, int denseSize, int[] segments, int[] indices) {}

  public record Sparsity(int[] traversalOrder, int[] blockMap, List<Dim> dims) {}

  /**
   * A tensor; {@code type} is TFLite's {@code TensorType} value (0 float32, 2 int32, 9 int8);
   * {@code buffer} its buffer index (0: no data).
   */
  public record Tensor(int index, String name, int[] shape, int[] shapeSignature, int type, int buffer,
      float[] scales, long[] zeroPoints, int quantizedDimension, @Nullable Sparsity sparsity) {
    public boolean isInt8() {
      return type == Schema.INT8;
    }
  }

  /** An operator: its builtin code and version, tensor indices, and where its options table lies. */
  public record Operator(int builtinCode, int version, int[] inputs, int[] outputs, int optionsType,
      int optionsTable) {}

  private final FlatReader r;
  private final String source;
  private final List<Tensor> tensors = new ArrayList<>();
  private final List<Operator> operators = new ArrayList<>();
  private final List<byte[]> buffers = new ArrayList<>();
  private final int[] inputs;
  private final int[] outputs;
  private final List<String> inputNames = new ArrayList<>();
  private final List<String> outputNames = new ArrayList<>();
  private final String description;
  private final boolean checksummed;

  private final ReadLimits.Tally tally;

  private TfliteFile(byte[] bytes, ReadLimits.Tally tally) {
    this.source = tally.source();
    this.tally = tally;
    String source = this.source;
    r = new FlatReader(bytes, tally);
    if (bytes.length < 8 || !r.identifier().equals(Schema.FILE_IDENTIFIER)) {
      throw r.corrupt("not a TFLite model (file identifier " + (bytes.length < 8 ? "missing" : "'" + r.identifier()
          + "'") + ", expected '" + Schema.FILE_IDENTIFIER + "')");
    }
    int model = r.indirect(0, "model");
    int version = r.intField(model, Schema.Model.VERSION, 0, "model version");
    if (version != Schema.VERSION) {
      throw r.corrupt("schema version " + version + ", expected " + Schema.VERSION);
    }
    description = r.string(model, Schema.Model.DESCRIPTION, "description");
    // Verified first: a file Topiary wrote is refused for any changed byte before anything else is read.
    int checksum = checksumPosition(r, model);
    if (checksum >= 0) {
      int stored = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(checksum);
      if (stored != crc32(bytes, checksum)) {
        throw r.corrupt("checksum mismatch (metadata '" + Schema.CHECKSUM_METADATA + "'): the file is corrupt or"
            + " was changed after Topiary wrote it");
      }
    }
    // A file Topiary wrote names its checksum twice more (its description, the entry's name string):
    // a damaged entry must not turn it into an unverified file, whose other damage would then pass.
    if (checksum < 0 && (description.contains(Schema.CHECKSUM_METADATA) || contains(bytes, CHECKSUM_NAME))) {
      throw r.corrupt("names Topiary's checksum '" + Schema.CHECKSUM_METADATA + "' but its metadata entry is missing"
          + " or damaged: the file is corrupt");
    }
    checksummed = checksum >= 0;
    for (int b : r.tables(model, Schema.Model.BUFFERS, "buffers")) {
      if (r.field(b, Schema.Buffer.OFFSET, "buffer") != 0) {
        throw r.corrupt("buffers stored outside the FlatBuffer (models over 2 GB) are not supported");
      }
      buffers.add(r.bytes(b, Schema.Buffer.DATA, "buffer data"));
    }
    int[] codes = r.tables(model, Schema.Model.OPERATOR_CODES, "operator codes");
    int[] subgraphs = r.tables(model, Schema.Model.SUBGRAPHS, "subgraphs");
    if (subgraphs.length != 1) {
      throw r.corrupt(subgraphs.length + " subgraphs; only single-subgraph models are read");
    }
    int sg = subgraphs[0];
    int[] ts = r.tables(sg, Schema.SubGraph.TENSORS, "tensors");
    for (int i = 0; i < ts.length; i++) {
      tensors.add(tensor(i, ts[i]));
    }
    inputs = checkedTensorIndices(r.ints(sg, Schema.SubGraph.INPUTS, "subgraph inputs"), "subgraph input");
    outputs = checkedTensorIndices(r.ints(sg, Schema.SubGraph.OUTPUTS, "subgraph outputs"), "subgraph output");
    for (int op : r.tables(sg, Schema.SubGraph.OPERATORS, "operators")) {
      int code = r.intField(op, Schema.Operator.OPCODE_INDEX, 0, "opcode index");
      if (code < 0 || code >= codes.length) {
        throw r.corrupt("operator opcode index " + code + " of " + codes.length + " operator codes");
      }
      int builtin = Math.max(r.intField(codes[code], Schema.OperatorCode.BUILTIN_CODE, 0, "builtin code"),
          r.byteField(codes[code], Schema.OperatorCode.DEPRECATED_BUILTIN_CODE, (byte) 0, "builtin code"));
      int opVersion = r.intField(codes[code], Schema.OperatorCode.VERSION, 1, "op version");
      int[] in = r.ints(op, Schema.Operator.INPUTS, "operator inputs");
      for (int t : in) {
        if (t != -1) {
          checkedTensorIndices(new int[] {t}, "operator input");
        }
      }
      int[] out = checkedTensorIndices(r.ints(op, Schema.Operator.OUTPUTS, "operator outputs"), "operator output");
      int optType = Byte.toUnsignedInt(r.byteField(op, Schema.Operator.OPTIONS_TYPE, (byte) 0, "options type"));
      int opts = r.tableField(op, Schema.Operator.OPTIONS, "options");
      operators.add(new Operator(builtin, opVersion, in, out, optType, opts));
    }
    for (int sig : r.tables(model, Schema.Model.SIGNATURE_DEFS, "signatures")) {
      for (int m : r.tables(sig, Schema.SignatureDef.INPUTS, "signature inputs")) {
        inputNames.add(r.string(m, Schema.TensorMap.NAME, "signature input name"));
      }
      for (int m : r.tables(sig, Schema.SignatureDef.OUTPUTS, "signature outputs")) {
        outputNames.add(r.string(m, Schema.TensorMap.NAME, "signature output name"));
      }
      break; // the first signature names the subgraph's inputs and outputs
    }
  }

  /** The position of Topiary's checksum in {@code bytes} (a TFLite file it wrote), found as the reader finds it. */
  static int checksumPosition(byte[] bytes) {
    FlatReader r = new FlatReader(bytes, ReadLimits.tally("the written file"));
    int at = checksumPosition(r, r.indirect(0, "model"));
    if (at < 0) {
      throw new IllegalStateException("the written file has no checksum entry");
    }
    return at;
  }

  /**
   * The position of the 4 checksum bytes: the data of the buffer that the metadata entry named
   * {@link Schema#CHECKSUM_METADATA} names; -1 if there is no such entry (a file Topiary did not
   * write, or wrote before it had checksums).
   */
  private static int checksumPosition(FlatReader r, int model) {
    for (int m : r.tables(model, Schema.Model.METADATA, "metadata")) {
      if (!r.string(m, Schema.Metadata.NAME, "metadata name").equals(Schema.CHECKSUM_METADATA)) {
        continue;
      }
      int index = r.intField(m, Schema.Metadata.BUFFER, 0, "checksum buffer index");
      int[] tables = r.tables(model, Schema.Model.BUFFERS, "buffers");
      if (index <= 0 || index >= tables.length) {
        throw r.corrupt("metadata '" + Schema.CHECKSUM_METADATA + "' names buffer " + index + " of " + tables.length);
      }
      int data = r.vector(tables[index], Schema.Buffer.DATA, 1, "checksum buffer");
      if (data < 0 || r.length(data) != 4) {
        throw r.corrupt("metadata '" + Schema.CHECKSUM_METADATA + "': its buffer does not hold 4 bytes");
      }
      return data;
    }
    return -1;
  }

  private static final byte[] CHECKSUM_NAME = Schema.CHECKSUM_METADATA.getBytes(StandardCharsets.US_ASCII);

  private static boolean contains(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** The CRC-32 of {@code bytes} with the 4 bytes at {@code at} read as zeros. */
  static int crc32(byte[] bytes, int at) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(bytes, 0, at);
    crc.update(new byte[4]);
    crc.update(bytes, at + 4, bytes.length - at - 4);
    return (int) crc.getValue();
  }

  /** Whether the file carried Topiary's checksum (and so was verified byte for byte). */
  public boolean checksummed() {
    return checksummed;
  }

  /** Reads and checks {@code file}. */
  public static TfliteFile read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > Integer.MAX_VALUE - 8) {
      throw new CorruptFileException(file.toString(), size + " bytes: larger than a single FlatBuffer can be");
    }
    // The identifier (bytes 4 to 8) is checked before the file is read, its length against the budget.
    ReadLimits.Tally tally = ReadLimits.tally(file.toString());
    byte[] bytes = tally.readFile(file, Schema.FILE_IDENTIFIER.getBytes(StandardCharsets.US_ASCII), 4,
        "TFLite model (file identifier '" + Schema.FILE_IDENTIFIER + "')");
    return new TfliteFile(bytes, tally);
  }

  /** Parses and checks {@code bytes}; {@code source} names them in errors. */
  public static TfliteFile parse(byte[] bytes, String source) {
    ReadLimits.Tally tally = ReadLimits.tally(source);
    tally.charge(bytes.length, "the file");
    return new TfliteFile(bytes, tally);
  }

  private int[] checkedTensorIndices(int[] indices, String what) {
    for (int t : indices) {
      if (t < 0 || t >= tensors.size()) {
        throw r.corrupt(what + " tensor index " + t + " of " + tensors.size() + " tensors");
      }
    }
    return indices;
  }

  private Tensor tensor(int index, int t) {
    String what = "tensor " + index;
    int[] shape = r.ints(t, Schema.Tensor.SHAPE, what + " shape");
    for (int d : shape) {
      if (d < 0) {
        throw r.corrupt(what + " has a negative dimension in its shape " + java.util.Arrays.toString(shape));
      }
    }
    int[] signature = r.ints(t, Schema.Tensor.SHAPE_SIGNATURE, what + " shape signature");
    int type = r.byteField(t, Schema.Tensor.TYPE, (byte) 0, what + " type");
    int buffer = r.intField(t, Schema.Tensor.BUFFER, 0, what + " buffer");
    if (buffer < 0 || buffer >= buffers.size()) {
      throw r.corrupt(what + " refers to buffer " + buffer + " of " + buffers.size());
    }
    String name = r.string(t, Schema.Tensor.NAME, what + " name");
    float[] scales = new float[0];
    long[] zeros = new long[0];
    int qdim = 0;
    int q = r.tableField(t, Schema.Tensor.QUANTIZATION, what + " quantization");
    if (q != 0) {
      scales = r.floats(q, Schema.Quantization.SCALE, what + " scales");
      zeros = r.longs(q, Schema.Quantization.ZERO_POINT, what + " zero points");
      qdim = r.intField(q, Schema.Quantization.QUANTIZED_DIMENSION, 0, what + " quantized dimension");
    }
    Sparsity sparsity = null;
    int sp = r.tableField(t, Schema.Tensor.SPARSITY, what + " sparsity");
    if (sp != 0) {
      List<Dim> dims = new ArrayList<>();
      for (int d : r.tables(sp, Schema.Sparsity.DIM_METADATA, what + " dim metadata")) {
        boolean csr = r.byteField(d, Schema.DimensionMetadata.FORMAT, (byte) 0, what + " dim format") == Schema.SPARSE_CSR;
        if (!csr) {
          dims.add(new Dim(false, r.intField(d, Schema.DimensionMetadata.DENSE_SIZE, 0, what + " dense size"),
              new int[0], new int[0]));
          continue;
        }
        dims.add(new Dim(true, 0, indexVector(d, Schema.DimensionMetadata.SEGMENTS_TYPE,
            Schema.DimensionMetadata.SEGMENTS, what + " segments"),
            indexVector(d, Schema.DimensionMetadata.INDICES_TYPE, Schema.DimensionMetadata.INDICES, what + " indices")));
      }
      sparsity = new Sparsity(r.ints(sp, Schema.Sparsity.TRAVERSAL_ORDER, what + " traversal order"),
          r.ints(sp, Schema.Sparsity.BLOCK_MAP, what + " block map"), dims);
    }
    return new Tensor(index, name, shape, signature, type, buffer, scales, zeros, qdim, sparsity);
  }

  private int[] indexVector(int dim, int typeSlot, int slot, String what) {
    int type = r.byteField(dim, typeSlot, (byte) 0, what + " type");
    int table = r.tableField(dim, slot, what);
    if (table == 0) {
      throw r.corrupt(what + " missing");
    }
    return switch (type) {
      case Schema.INT32_VECTOR -> r.ints(table, Schema.IndexVector.VALUES, what);
      case Schema.UINT16_VECTOR -> r.unsigned(table, Schema.IndexVector.VALUES, 2, what);
      case Schema.UINT8_VECTOR -> r.unsigned(table, Schema.IndexVector.VALUES, 1, what);
      default -> throw r.corrupt(what + ": unknown index vector type " + type);
    };
  }

  public List<Tensor> tensors() {
    return List.copyOf(tensors);
  }

  public List<Operator> operators() {
    return List.copyOf(operators);
  }

  public int[] inputs() {
    return inputs.clone();
  }

  public int[] outputs() {
    return outputs.clone();
  }

  /** The signature's input names, in the subgraph's input order. */
  public List<String> inputNames() {
    return List.copyOf(inputNames);
  }

  public List<String> outputNames() {
    return List.copyOf(outputNames);
  }

  public String description() {
    return description;
  }

  /** The tensor named {@code name}, if any. */
  public java.util.Optional<Tensor> tensor(String name) {
    return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The raw bytes of a tensor's buffer (empty for activations). */
  public byte[] data(Tensor t) {
    return buffers.get(t.buffer()).clone();
  }

  /** An int field of an operator's options table ({@code byte}-typed fields too), or {@code dflt}. */
  public int option(Operator op, int slot, boolean isByte, int dflt) {
    if (op.optionsTable() == 0) {
      return dflt;
    }
    return isByte ? r.byteField(op.optionsTable(), slot, (byte) dflt, "options")
        : r.intField(op.optionsTable(), slot, dflt, "options");
  }

  /** The dense float32 values of a constant tensor: densified if sparse, dequantised if int8. */
  public float[] values(Tensor t) {
    byte[] data = buffers.get(t.buffer());
    long count = 1;
    for (int d : t.shape()) {
      count *= d;
      // A crafted shape must not make us allocate more than the file could ever describe.
      if (count > Integer.MAX_VALUE - 8 || count > 64L * r.size() + 1024) {
        throw r.corrupt("tensor '" + t.name() + "' shape " + java.util.Arrays.toString(t.shape())
            + " is too large for a file of " + r.size() + " bytes");
      }
    }
    int width = switch (t.type()) {
      case Schema.FLOAT32, Schema.INT32 -> 4;
      case Schema.INT8 -> 1;
      default -> throw r.corrupt("tensor '" + t.name() + "' has type " + t.type() + " (only float32, int32, int8)");
    };
    if (data.length % width != 0) {
      throw r.corrupt("tensor '" + t.name() + "' has " + data.length + " bytes, not a multiple of " + width);
    }
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    // Sparse or int8 tensors expand: charge the decoded floats to the read's budget before allocating.
    tally.charge(4L * (data.length / width) + (t.sparsity() == null ? 0 : 8L * count), "tensor '" + t.name() + "' values");
    float[] stored = new float[data.length / width];
    for (int i = 0; i < stored.length; i++) {
      stored[i] = t.type() == Schema.FLOAT32 ? b.getFloat(4 * i) : t.type() == Schema.INT32 ? b.getInt(4 * i) : b.get(i);
    }
    int[] position = t.sparsity() == null ? null : Densify.positions(t, stored.length, (int) count, r);
    if (position == null && stored.length != count) {
      throw r.corrupt("tensor '" + t.name() + "' has " + stored.length + " values for shape "
          + java.util.Arrays.toString(t.shape()));
    }
    float[] dense = position == null ? stored : new float[(int) count];
    if (position != null) {
      for (int i = 0; i < stored.length; i++) {
        dense[position[i]] = stored[i];
      }
    }
    if (t.isInt8()) {
      dequantise(t, dense);
    }
    return dense;
  }

  private void dequantise(Tensor t, float[] values) {
    int channels = t.scales().length;
    if (channels == 0) {
      throw r.corrupt("int8 tensor '" + t.name() + "' has no scales");
    }
    int dim = t.quantizedDimension();
    int inner = 1;
    if (channels > 1) {
      if (dim < 0 || dim >= t.shape().length || t.shape()[dim] != channels) {
        throw r.corrupt("int8 tensor '" + t.name() + "': " + channels + " scales along dimension " + dim
            + " of shape " + java.util.Arrays.toString(t.shape()));
      }
      for (int d = dim + 1; d < t.shape().length; d++) {
        inner *= t.shape()[d];
      }
    }
    if (t.zeroPoints().length != 0 && t.zeroPoints().length != channels) {
      throw r.corrupt("int8 tensor '" + t.name() + "': " + t.zeroPoints().length + " zero points for " + channels
          + " scales");
    }
    for (int i = 0; i < values.length; i++) {
      int c = channels == 1 ? 0 : (i / inner) % channels;
      long zero = t.zeroPoints().length == 0 ? 0 : t.zeroPoints()[c];
      values[i] = (float) ((values[i] - zero) * t.scales()[c]);
    }
  }

  @Override
  public String toString() {
    return "TfliteFile[" + source + ": " + tensors.size() + " tensors, " + operators.size() + " operators]";
  }
}
