package dev.topiary.tflite;

import java.util.List;

/**
 * Where each stored value of a sparse tensor lies in its dense form, following TFLite's format
 * (a TACO variant): the levels of {@code dim_metadata} are walked in traversal order, a dense level
 * enumerating its size, a CSR level the indices of its segment; block levels (after the tensor's own
 * dimensions) add their offset inside the block of the dimension {@code block_map} names. Only the
 * identity traversal order (what the converter and Topiary write) is read.
 */
final class Densify {
  private Densify() {}

  static int[] positions(TfliteFile.Tensor t, int stored, int count, FlatReader r) {
    TfliteFile.Sparsity s = t.sparsity();
    int n = t.shape().length;
    int levels = s.traversalOrder().length;
    int k = s.blockMap().length;
    String what = "sparse tensor '" + t.name() + "'";
    if (levels != n + k || s.dims().size() != levels || levels > 12) {
      throw r.corrupt(what + ": " + levels + " traversal levels and " + s.dims().size() + " dimension metadata for rank "
          + n + " with " + k + " block dimension(s)");
    }
    for (int i = 0; i < levels; i++) {
      if (s.traversalOrder()[i] != i) {
        throw r.corrupt(what + ": traversal order " + java.util.Arrays.toString(s.traversalOrder())
            + " is not supported (only the identity order)");
      }
    }
    int[] blockSize = new int[n];
    java.util.Arrays.fill(blockSize, 1);
    for (int j = 0; j < k; j++) {
      int d = s.blockMap()[j];
      TfliteFile.Dim bd = s.dims().get(n + j);
      if (d < 0 || d >= n || bd.sparse() || bd.denseSize() < 1 || t.shape()[d] % bd.denseSize() != 0) {
        throw r.corrupt(what + ": block dimension " + j + " maps to dimension " + d + " of shape "
            + java.util.Arrays.toString(t.shape()) + " with an invalid size");
      }
      blockSize[d] = bd.denseSize();
    }
    int[] levelSize = new int[levels];
    for (int l = 0; l < levels; l++) {
      levelSize[l] = l < n ? t.shape()[l] / blockSize[l] : s.dims().get(l).denseSize();
      TfliteFile.Dim dm = s.dims().get(l);
      if (!dm.sparse() && dm.denseSize() != levelSize[l]) {
        throw r.corrupt(what + ": dense level " + l + " has size " + dm.denseSize() + ", expected " + levelSize[l]);
      }
    }
    int[] out = new int[stored];
    int[] coord = new int[levels];
    int[] filled = {0};
    walk(s.dims(), levelSize, blockSize, t.shape(), n, k, s.blockMap(), 0, 0, coord, out, filled, what, r);
    if (filled[0] != stored) {
      throw r.corrupt(what + ": its metadata describes " + filled[0] + " values, the buffer holds " + stored);
    }
    return out;
  }

  private static void walk(List<TfliteFile.Dim> dims, int[] levelSize, int[] blockSize, int[] shape, int n, int k,
      int[] blockMap, int level, long pos, int[] coord, int[] out, int[] filled, String what, FlatReader r) {
    if (level == dims.size()) {
      if (pos != filled[0] || filled[0] >= out.length) {
        throw r.corrupt(what + ": value position " + pos + " out of order or beyond the " + out.length + " stored");
      }
      long linear = 0;
      for (int d = 0; d < n; d++) {
        int c = coord[d] * blockSize[d];
        for (int j = 0; j < k; j++) {
          if (blockMap[j] == d) {
            c += coord[n + j];
          }
        }
        linear = linear * shape[d] + c;
      }
      out[filled[0]++] = (int) linear;
      return;
    }
    TfliteFile.Dim dm = dims.get(level);
    if (!dm.sparse()) {
      for (int i = 0; i < levelSize[level]; i++) {
        coord[level] = i;
        walk(dims, levelSize, blockSize, shape, n, k, blockMap, level + 1, pos * levelSize[level] + i, coord, out,
            filled, what, r);
      }
      return;
    }
    int[] seg = dm.segments();
    if (pos + 1 >= seg.length) {
      throw r.corrupt(what + ": level " + level + " has " + seg.length + " segments, position " + pos + " needs more");
    }
    int from = seg[(int) pos];
    int to = seg[(int) pos + 1];
    if (from < 0 || to < from || to > dm.indices().length) {
      throw r.corrupt(what + ": level " + level + " segment " + pos + " is [" + from + ", " + to + ") of "
          + dm.indices().length + " indices");
    }
    for (int j = from; j < to; j++) {
      int idx = dm.indices()[j];
      if (idx < 0 || idx >= levelSize[level]) {
        throw r.corrupt(what + ": level " + level + " index " + idx + " outside its size " + levelSize[level]);
      }
      coord[level] = idx;
      walk(dims, levelSize, blockSize, shape, n, k, blockMap, level + 1, j, coord, out, filled, what, r);
    }
  }
}
