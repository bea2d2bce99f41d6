package dev.topiary.ops.schedule;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Sparsity rising from {@code initial} at {@code begin} to {@code final} at {@code end} along
 * {@code (initial - final) * (1 - p)^power + final} with {@code p = clamp((step - begin) / (end - begin), 0, 1)}.
 * Defaults as in TF Model Optimization: power = 3, frequency = 100.
 *
 * <p>Unlike the reference, {@code begin == end} is rejected (the reference divides by zero and prunes
 * with NaN), and so is a power that is not a positive finite number (the reference accepts any). A
 * decreasing curve ({@code initial > final}) is allowed, as in the reference.
 */
public final class PolynomialDecay extends GatedSchedule {
  private final double initialSparsity;
  private final double finalSparsity;
  private final double power;

  private PolynomialDecay(
      double initialSparsity, double finalSparsity, long begin, long end, double power, long frequency) {
    super(validateEnd(begin, end), end, frequency);
    requireSparsity("initialSparsity", initialSparsity);
    requireSparsity("finalSparsity", finalSparsity);
    // The reference accepts any power: a negative one makes the sparsity infinite at `end`
    // (0^power), zero keeps the initial sparsity for ever.
    requireArgument(power > 0 && Double.isFinite(power), "power", power,
        "must be a finite number > 0 (TFMOT does not check it; a negative power makes the sparsity infinite at end)");
    this.initialSparsity = initialSparsity;
    this.finalSparsity = finalSparsity;
    this.power = power;
  }

  // Runs before the gate's checks so that the reference's order holds: begin, then "end != -1".
  private static long validateEnd(long begin, long end) {
    requireArgument(begin >= 0, "begin", begin, "must be >= 0");
    requireArgument(end != -1, "end", end, "must be set for PolynomialDecay (-1 is not allowed)");
    requireArgument(end != begin, "end", end, "must differ from begin (" + begin + "): the curve would divide by zero");
    return begin;
  }

  /** From {@code initial} at {@code begin} to {@code final} at {@code end}, power 3, every 100 steps. */
  public static PolynomialDecay of(double initialSparsity, double finalSparsity, long begin, long end) {
    return new PolynomialDecay(initialSparsity, finalSparsity, begin, end, 3.0, 100);
  }

  /** Every parameter given explicitly. */
  public static PolynomialDecay of(
      double initialSparsity, double finalSparsity, long begin, long end, double power, long frequency) {
    return new PolynomialDecay(initialSparsity, finalSparsity, begin, end, power, frequency);
  }

  public PolynomialDecay withPower(double power) {
    return new PolynomialDecay(initialSparsity, finalSparsity, beginStep(), endStep(), power, frequency());
  }

  public PolynomialDecay withFrequency(long frequency) {
    return new PolynomialDecay(initialSparsity, finalSparsity, beginStep(), endStep(), power, frequency);
  }

  public double initialSparsity() {
    return initialSparsity;
  }

  public double finalSparsity() {
    return finalSparsity;
  }

  public double power() {
    return power;
  }

  // The reference subtracts the two Python floats in double precision, then works in float32.
  private float amplitude() {
    return (float) (initialSparsity - finalSparsity);
  }

  @Override
  protected float sparsityAt(long step) {
    float p = (float) (step - beginStep()) / (float) (endStep() - beginStep());
    p = Math.min(1f, Math.max(0f, p));
    return amplitude() * powFloat32(1f - p, (float) power) + (float) finalSparsity;
  }

  /**
   * float32 power computed as float64 and rounded once; the op side does the same so that Java and
   * TensorFlow agree bit for bit whatever the platform's powf.
   */
  private static float powFloat32(float base, float exponent) {
    return (float) Math.pow(base, exponent);
  }

  @Override
  protected Operand<TFloat32> sparsityAt(Ops tf, Operand<TInt64> step) {
    Operand<TFloat32> elapsed = tf.dtypes.cast(tf.math.sub(step, tf.constant(beginStep())), TFloat32.class);
    Operand<TFloat32> p = tf.math.div(elapsed, tf.constant((float) (endStep() - beginStep())));
    p = tf.math.minimum(tf.constant(1f), tf.math.maximum(tf.constant(0f), p));
    Operand<TFloat64> remaining = tf.dtypes.cast(tf.math.sub(tf.constant(1f), p), TFloat64.class);
    Operand<TFloat32> decay =
        tf.dtypes.cast(tf.math.pow(remaining, tf.constant((double) (float) power)), TFloat32.class);
    return tf.math.add(tf.math.mul(tf.constant(amplitude()), decay), tf.constant((float) finalSparsity));
  }

  @Override
  public String toString() {
    return "PolynomialDecay(initial=" + initialSparsity + ", final=" + finalSparsity + ", begin="
        + beginStep() + ", end=" + endStep() + ", power=" + power + ", frequency=" + frequency() + ")";
  }
}
