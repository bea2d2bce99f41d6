package dev.topiary.ops;

import org.tensorflow.op.Ops;

/** Checks shared by the graph-only parts of the ops module. */
final class Graphs {
  private Graphs() {}

  static void requireGraph(Ops tf, String what) {
    if (!tf.scope().env().isGraph()) {
      throw new IllegalStateException(
          what + " needs graph execution (TF Java has no eager variables of this kind); in eager mode"
              + " compute masks with MaskStrategy.ops(...) and schedules with PruningSchedule.at(...)");
    }
  }

  /** A variable's op name made usable as a name prefix ({@code Ops.withName} rejects '/'). */
  static String flatName(String opName) {
    return opName.replace('/', '_');
  }
}
