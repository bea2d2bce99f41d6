package dev.topiary.sparse.exec;

import java.util.List;

/** One layer call of a sparse model: inputs in, outputs out (more than one for RNN states). */
@FunctionalInterface
public interface LayerOp {
  List<Value> run(List<Value> inputs, Exec exec);
}
