package dev.topiary.tflite;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One TFLite subgraph as plain Java values, before it becomes a FlatBuffer: tensors (constant ones with
 * their bytes, quantization and sparsity), operators in execution order, and the named inputs and outputs.
 * {@link Lowering} fills it from a model; {@link FlatWriter} serialises it.
 */
final class TfliteGraph {
  /** Per-dimension sparse metadata, as {@code DimensionMetadata}: dense (a size) or CSR (segments, indices). */
  record Dim(boolean sparse, int denseSize, int[] segments, int[] indices) {
    static Dim dense(int size) {
      return new Dim(false, size, new int[0], new int[0]);
    }

    static Dim csr(int[] segments, int[] indices) {
      return new Dim(true, 0, segments, indices);
    }
  }

  /** {@code SparsityParameters}: traversal order (original dims, then block dims), block map, metadata. */
  record Sparsity(int[] traversalOrder, int[] blockMap, List<Dim> dims) {}

  /** Symmetric quantization: one scale per slice of {@code dimension} (one scale: per tensor); zero points 0. */
  record Quantization(float[] scales, int dimension) {}

  /**
   * A tensor: {@code data} holds a constant's little-endian bytes (only the stored values when sparse),
   * null for activations; {@code signature} has -1 for the batch dimension.
   */
  record Tensor(String name, int[] shape, int @Nullable [] signature, byte type, byte @Nullable [] data,
      @Nullable Quantization quantization, @Nullable Sparsity sparsity) {}

  /** An option field of a builtin options table: {@code kind} 'b' byte, 'i' int, 'z' bool, 'f' float. */
  record Field(int slot, char kind, double value) {}

  /** An operator's builtin options: the union type, the table's field count and the non-default fields. */
  record Options(byte type, int fields, List<Field> values) {
    static final Options NONE = new Options(Schema.OPT_NONE, 0, List.of());
  }

  record Op(int builtin, int version, int[] inputs, int[] outputs, Options options) {}

  final List<Tensor> tensors = new ArrayList<>();
  final List<Op> ops = new ArrayList<>();
  final List<Integer> inputs = new ArrayList<>();
  final List<String> inputNames = new ArrayList<>();
  final List<Integer> outputs = new ArrayList<>();
  final List<String> outputNames = new ArrayList<>();

  int add(Tensor t) {
    tensors.add(t);
    return tensors.size() - 1;
  }

  void op(int builtin, int version, int[] inputs, int[] outputs, Options options) {
    ops.add(new Op(builtin, version, inputs, outputs, options));
  }
}
