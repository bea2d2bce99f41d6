package dev.topiary.tflite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * How constant weights are stored: float32 or symmetric int8 bytes, and TFLite's sparse layouts
 * (CSR along the last dimension, or 1x4 blocks of a fully connected layer's {@code [out, in]} weights),
 * laid out exactly as the converter's {@code EXPERIMENTAL_SPARSITY} writes them.
 */
final class WeightEncoding {
  private WeightEncoding() {}

  /** The largest int8 magnitude of symmetric quantization (TFLite uses [-127, 127]). */
  static final int Q_MAX = 127;

  /** Symmetric int8 values with one scale per slice along dimension 0 (or one per tensor). */
  record Quantized(byte[] values, float[] scales) {}

  /**
   * Symmetric int8 with one scale per index of {@code dimension} of {@code shape} (a length-1
   * {@code shape} of the value count: one scale for the tensor).
   */
  static Quantized quantize(float[] values, int[] shape, int dimension) {
    int channels = shape[dimension];
    int inner = 1;
    for (int d = dimension + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    float[] max = new float[channels];
    for (int i = 0; i < values.length; i++) {
      int c = (i / inner) % channels;
      max[c] = Math.max(max[c], Math.abs(values[i]));
    }
    float[] scales = new float[channels];
    float[] inverse = new float[channels];
    for (int c = 0; c < channels; c++) {
      // An all-zero slice keeps scale 1 (any positive scale dequantises its zeros exactly).
      scales[c] = max[c] == 0 ? 1f : max[c] / Q_MAX;
      inverse[c] = 1f / scales[c];
    }
    byte[] q = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      float x = values[i] * inverse[(i / inner) % channels];
      // TfLiteRound (std::round): halves away from zero.
      long r = (long) (x < 0 ? -Math.floor(-x + 0.5f) : Math.floor(x + 0.5f));
      q[i] = (byte) Math.max(-Q_MAX, Math.min(Q_MAX, r));
    }
    return new Quantized(q, scales);
  }

  static byte[] floatBytes(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  static byte[] intBytes(int[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putInt(v);
    }
    return b.array();
  }

  /** A sparse encoding: the sparsity parameters and the stored values' bytes. */
  record Sparse(TfliteGraph.Sparsity sparsity, byte[] data) {}

  /**
   * CSR along the last dimension, every other dimension dense (traversal order 0..n-1); {@code element}
   * is 4 (float32 values) or 1 (int8 values in {@code q}).
   */
  static Sparse csr(float[] values, byte[] q, int[] shape, int element) {
    int cols = shape[shape.length - 1];
    int rows = values.length / cols;
    int[] segments = new int[rows + 1];
    List<Integer> indices = new ArrayList<>();
    ByteBuffer data = ByteBuffer.allocate(values.length * element).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int i = r * cols + c;
        boolean keep = element == 4 ? values[i] != 0 : q[i] != 0;
        if (keep) {
          indices.add(c);
          if (element == 4) {
            data.putFloat(values[i]);
          } else {
            data.put(q[i]);
          }
        }
      }
      segments[r + 1] = indices.size();
    }
    List<TfliteGraph.Dim> dims = new ArrayList<>();
    int[] order = new int[shape.length];
    for (int d = 0; d < shape.length - 1; d++) {
      dims.add(TfliteGraph.Dim.dense(shape[d]));
      order[d] = d;
    }
    order[shape.length - 1] = shape.length - 1;
    dims.add(TfliteGraph.Dim.csr(segments, indices.stream().mapToInt(Integer::intValue).toArray()));
    byte[] bytes = new byte[data.position()];
    data.flip().get(bytes);
    return new Sparse(new TfliteGraph.Sparsity(order, new int[0], dims), bytes);
  }

  /**
   * 1x4 blocks of a float {@code [rows, cols]} matrix (4 consecutive columns of one row; a block is
   * stored when any of its values is non-zero), or null if {@code cols} is not a multiple of 4.
   * Dimension 1 is split into {@code cols / 4} blocks (CSR) of a dense block dimension of 4 mapped to it.
   */
  static Sparse blocks1x4(float[] values, int rows, int cols) {
    if (cols % 4 != 0) {
      return null;
    }
    int blockCols = cols / 4;
    int[] segments = new int[rows + 1];
    List<Integer> indices = new ArrayList<>();
    ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      for (int b = 0; b < blockCols; b++) {
        int base = r * cols + b * 4;
        int inBlock = 0;
        for (int k = 0; k < 4; k++) {
          if (values[base + k] != 0) {
            inBlock++;
          }
        }
        if (inBlock > 0) {
          indices.add(b);
          for (int k = 0; k < 4; k++) {
            data.putFloat(values[base + k]);
          }
        }
      }
      segments[r + 1] = indices.size();
    }
    List<TfliteGraph.Dim> dims = List.of(TfliteGraph.Dim.dense(rows),
        TfliteGraph.Dim.csr(segments, indices.stream().mapToInt(Integer::intValue).toArray()),
        TfliteGraph.Dim.dense(4));
    byte[] bytes = new byte[data.position()];
    data.flip().get(bytes);
    return new Sparse(new TfliteGraph.Sparsity(new int[] {0, 1, 2}, new int[] {1}, dims), bytes);
  }

  /** Bytes a sparse tensor occupies beyond its values: its index vectors at their chosen width. */
  static long indexBytes(TfliteGraph.Sparsity s) {
    long total = 0;
    for (TfliteGraph.Dim d : s.dims()) {
      if (d.sparse()) {
        total += (long) d.segments().length * width(d.segments()) + (long) d.indices().length * width(d.indices());
      }
    }
    return total;
  }

  private static int width(int[] v) {
    byte t = FlatWriter.indexType(v);
    return t == Schema.UINT8_VECTOR ? 1 : t == Schema.UINT16_VECTOR ? 2 : 4;
  }
}
