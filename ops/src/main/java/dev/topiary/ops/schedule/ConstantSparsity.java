package dev.topiary.ops.schedule;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Prunes to a fixed {@code target} sparsity every {@code frequency} steps between {@code begin} and
 * {@code end}. Defaults as in TF Model Optimization: end = -1 (no end), frequency = 100.
 *
 * <pre>{@code
 * ConstantSparsity s = ConstantSparsity.of(0.5, 0).withFrequency(10);
 * }</pre>
 */
public final class ConstantSparsity extends GatedSchedule {
  private final double target;

  private ConstantSparsity(double target, long begin, long end, long frequency) {
    super(begin, end, frequency);
    requireSparsity("target", target);
    this.target = target;
  }

  /** {@code target} sparsity from step {@code begin} on, no end, every 100 steps. */
  public static ConstantSparsity of(double target, long begin) {
    return new ConstantSparsity(target, begin, -1, 100);
  }

  /** Every parameter given explicitly. */
  public static ConstantSparsity of(double target, long begin, long end, long frequency) {
    return new ConstantSparsity(target, begin, end, frequency);
  }

  public ConstantSparsity withEnd(long end) {
    return new ConstantSparsity(target, beginStep(), end, frequency());
  }

  public ConstantSparsity withFrequency(long frequency) {
    return new ConstantSparsity(target, beginStep(), endStep(), frequency);
  }

  public double target() {
    return target;
  }

  @Override
  protected float sparsityAt(long step) {
    return (float) target;
  }

  @Override
  protected Operand<TFloat32> sparsityAt(Ops tf, Operand<TInt64> step) {
    return tf.constant((float) target);
  }

  @Override
  public String toString() {
    return "ConstantSparsity(target=" + target + ", begin=" + beginStep() + ", end=" + endStep()
        + ", frequency=" + frequency() + ")";
  }
}
