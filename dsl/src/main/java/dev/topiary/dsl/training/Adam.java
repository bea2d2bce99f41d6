package dev.topiary.dsl.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import dev.topiary.dsl.training.schedules.LearningRateSchedule;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Adam on TensorFlow's ApplyAdam kernel, slots {@code adam_m} and {@code adam_v}, shared beta powers
 * {@code adam_beta1_power} and {@code adam_beta2_power}.
 *
 * <p>We build it ourselves because framework 1.1's Adam updates its beta powers concurrently with the
 * ApplyAdam ops that read them, which makes training non-deterministic; here they advance only after
 * every variable update (see {@link #finish}).
 */
public final class Adam extends Optimizer {
  private static final String BETA1_POWER = "adam_beta1_power";
  private static final String BETA2_POWER = "adam_beta2_power";

  private final float beta1;
  private final float beta2;
  private final float epsilon;

  public Adam(float learningRate, float beta1, float beta2, float epsilon) {
    super("adam", learningRate);
    requirePositive("Adam learning rate", learningRate);
    requireFraction("Adam beta1", beta1);
    requireFraction("Adam beta2", beta2);
    requirePositive("Adam epsilon", epsilon);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  /** Adam whose learning rate follows {@code schedule}. */
  public Adam(LearningRateSchedule schedule, float beta1, float beta2, float epsilon) {
    super("adam", schedule);
    requireFraction("Adam beta1", beta1);
    requireFraction("Adam beta2", beta2);
    requirePositive("Adam epsilon", epsilon);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  /** The constant learning rate (where the variable starts), or the schedule's rate at step 0. */
  public float learningRate() {
    return baseLearningRate();
  }

  public float beta1() {
    return beta1;
  }

  public float beta2() {
    return beta2;
  }

  public float epsilon() {
    return epsilon;
  }

  @Override
  protected void prepare(OptimizerUpdate update) {
    Ops tf = update.tf();
    update.createGlobal(BETA1_POWER, tf.constant(beta1));
    update.createGlobal(BETA2_POWER, tf.constant(beta2));
  }

  @Override
  protected void createSlots(OptimizerUpdate update, Variable<TFloat32> variable) {
    update.createSlot(variable, "adam_m");
    update.createSlot(variable, "adam_v");
  }

  @Override
  protected Op applyDense(OptimizerUpdate update, Gradient g) {
    Ops tf = update.tf();
    return tf.train.applyAdam(g.variable(), update.slot(g.variable(), "adam_m"), update.slot(g.variable(), "adam_v"),
        update.global(BETA1_POWER).value(), update.global(BETA2_POWER).value(), update.learningRate(),
        update.constant(beta1), update.constant(beta2), update.constant(epsilon), g.gradient());
  }

  @Override
  protected Op finish(OptimizerUpdate update, List<Op> updates) {
    // The beta powers advance only after every ApplyAdam has read them.
    Ops after = update.tf().withControlDependencies(updates);
    List<Op> all = new ArrayList<>(updates);
    for (String power : List.of(BETA1_POWER, BETA2_POWER)) {
      OptimizerUpdate.Global p = update.global(power);
      float beta = power.equals(BETA1_POWER) ? beta1 : beta2;
      all.add(after.assign(p.variable(), after.math.mul(p.value(), after.constant(beta))));
    }
    return update.group(all);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Adam a && Objects.equals(a.schedule(), schedule())
        && Float.compare(a.learningRate(), learningRate()) == 0 && Float.compare(a.beta1, beta1) == 0
        && Float.compare(a.beta2, beta2) == 0 && Float.compare(a.epsilon, epsilon) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(schedule(), learningRate(), beta1, beta2, epsilon);
  }

  @Override
  public String toString() {
    return "Adam[learningRate=" + (schedule() != null ? schedule() : learningRate()) + ", beta1=" + beta1 + ", beta2=" + beta2 + ", epsilon=" + epsilon + "]";
  }
}
