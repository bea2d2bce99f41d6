package dev.topiary.sparse.layers;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.RowTable;
import java.util.List;

/** A gather of table rows by id (ids arrive as floats and truncate, as TF's cast); mask_zero marks id 0. */
final class EmbeddingOp implements LayerOp {
  private final String name;
  private final RowTable table;
  private final boolean maskZero;

  EmbeddingOp(String name, RowTable table, boolean maskZero) {
    this.name = name;
    this.table = table;
    this.maskZero = maskZero;
  }

  @Override
  public List<Value> run(List<Value> inputs, Exec exec) {
    Value x = inputs.get(0);
    float[] ids = x.data();
    int dim = table.dim();
    int vocabulary = table.rows();
    int[] rows = new int[ids.length];
    boolean[] mask = maskZero ? new boolean[ids.length] : null;
    for (int i = 0; i < ids.length; i++) {
      int id = (int) ids[i];
      if (id < 0 || id >= vocabulary || Float.isNaN(ids[i])) {
        throw new IllegalArgumentException("Embedding '" + name + "': id " + ids[i] + " at position " + i
            + " is outside [0, " + vocabulary + ")");
      }
      rows[i] = id;
      if (mask != null) {
        mask[i] = id != 0;
      }
    }
    int[] shape = new int[x.shape().length + 1];
    System.arraycopy(x.shape(), 0, shape, 0, x.shape().length);
    shape[shape.length - 1] = dim;
    // rows by id: materialized only if the consumer asks for the data (a recurrent layer reads the rows)
    return List.of(Value.gathered(table, rows, x.batch(), shape, mask));
  }
}
