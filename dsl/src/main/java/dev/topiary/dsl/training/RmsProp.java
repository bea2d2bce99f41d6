package dev.topiary.dsl.training;

import java.util.Objects;
import dev.topiary.dsl.training.schedules.LearningRateSchedule;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** RMSProp on ApplyRMSProp, slots {@code rmsprop_ms} (mean square) and {@code rmsprop_mom}. */
public final class RmsProp extends Optimizer {
  private final float rho;
  private final float momentum;
  private final float epsilon;

  public RmsProp(float learningRate, float rho, float momentum, float epsilon) {
    super("rmsprop", learningRate);
    requirePositive("RMSProp learning rate", learningRate);
    requireFraction("RMSProp rho", rho);
    requirePositive("RMSProp epsilon", epsilon);
    this.rho = rho;
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  /** RMSProp whose learning rate follows {@code schedule}. */
  public RmsProp(LearningRateSchedule schedule, float rho, float momentum, float epsilon) {
    super("rmsprop", schedule);
    requireFraction("RMSProp rho", rho);
    requirePositive("RMSProp epsilon", epsilon);
    this.rho = rho;
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  /** The constant learning rate (where the variable starts), or the schedule's rate at step 0. */
  public float learningRate() {
    return baseLearningRate();
  }

  public float rho() {
    return rho;
  }

  public float momentum() {
    return momentum;
  }

  public float epsilon() {
    return epsilon;
  }

  @Override
  protected void createSlots(OptimizerUpdate update, Variable<TFloat32> variable) {
    // Keras starts the mean square at 0 (tensorflow-framework at 1).
    update.createSlot(variable, "rmsprop_ms");
    update.createSlot(variable, "rmsprop_mom");
  }

  @Override
  protected Op applyDense(OptimizerUpdate update, Gradient g) {
    Ops tf = update.tf();
    return tf.train.applyRmsProp(g.variable(), update.slot(g.variable(), "rmsprop_ms"),
        update.slot(g.variable(), "rmsprop_mom"), update.learningRate(), update.constant(rho), update.constant(momentum),
        update.constant(epsilon), g.gradient());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RmsProp r && Objects.equals(r.schedule(), schedule())
        && Float.compare(r.learningRate(), learningRate()) == 0 && Float.compare(r.rho, rho) == 0
        && Float.compare(r.momentum, momentum) == 0 && Float.compare(r.epsilon, epsilon) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(schedule(), learningRate(), rho, momentum, epsilon);
  }

  @Override
  public String toString() {
    return "RmsProp[learningRate=" + (schedule() != null ? schedule() : learningRate()) + ", rho=" + rho + ", momentum=" + momentum + ", epsilon=" + epsilon
        + "]";
  }
}
