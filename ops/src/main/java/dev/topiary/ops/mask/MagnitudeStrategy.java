package dev.topiary.ops.mask;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Unstructured per-tensor magnitude masks (see {@link MagnitudeRules}). */
public final class MagnitudeStrategy implements MaskStrategy {
  static final MagnitudeStrategy INSTANCE = new MagnitudeStrategy();

  private MagnitudeStrategy() {}

  @Override
  public void validate(Shape shape) {
    // Any rank can be pruned per tensor.
  }

  @Override
  public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
    return MagnitudeRules.ops(tf, tf.math.abs(weights), sparsity);
  }

  /** The masks of many tensors, their histograms searched together (see {@link MagnitudeRules#ops(Ops, List, Operand, int)}). */
  @Override
  public List<MaskResult> ops(Ops tf, List<Operand<TFloat32>> weights, Operand<TFloat32> sparsity) {
    List<Operand<TFloat32>> magnitudes = new ArrayList<>();
    for (Operand<TFloat32> w : weights) {
      magnitudes.add(tf.math.abs(w));
    }
    return MagnitudeRules.ops(tf, magnitudes, sparsity, MagnitudeRules.CHUNK);
  }

  @Override
  public HostMask host(float[] weights, long[] shape, float sparsity) {
    HostArrays.check(weights, shape, sparsity);
    return MagnitudeRules.host(HostArrays.abs(weights), shape, sparsity);
  }

  @Override
  public String toString() {
    return "magnitude";
  }
}
