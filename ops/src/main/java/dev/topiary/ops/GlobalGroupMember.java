package dev.topiary.ops;

import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.mask.MaskResult;
import dev.topiary.ops.mask.MaskStrategy;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The mask "strategy" of a weight pruned as a member of a global group: its mask depends on the whole
 * group, so it cannot be computed from the weight alone. {@link PruningHook.Builder#pruneGlobally}
 * and {@link GlobalMagnitude} compute the group's masks; {@link #ops} and {@link #host} fail, naming
 * the group.
 */
public record GlobalGroupMember(GlobalPruningSpec group) implements MaskStrategy {

  @Override
  public void validate(Shape shape) {
    // Any rank joins a group.
  }

  @Override
  public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
    throw alone();
  }

  @Override
  public HostMask host(float[] weights, long[] shape, float sparsity) {
    throw alone();
  }

  private UnsupportedOperationException alone() {
    return new UnsupportedOperationException("this weight is pruned in global group '" + group.name()
        + "': its mask depends on every weight of the group; compute the group's masks with GlobalMagnitude");
  }

  @Override
  public String toString() {
    return "global(" + group.name() + ")";
  }
}
