package dev.topiary.dsl.training;

import java.util.Objects;
import dev.topiary.dsl.training.schedules.LearningRateSchedule;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;

/** SGD on ApplyGradientDescent, or with momentum (optionally Nesterov) on ApplyMomentum, slot {@code momentum}. */
public final class Sgd extends Optimizer {
  private final float momentum;
  private final boolean nesterov;

  public Sgd(float learningRate, float momentum, boolean nesterov) {
    super("sgd", learningRate);
    requirePositive("SGD learning rate", learningRate);
    requireMomentum(momentum);
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  /** SGD whose learning rate follows {@code schedule}. */
  public Sgd(LearningRateSchedule schedule, float momentum, boolean nesterov) {
    super("sgd", schedule);
    requireMomentum(momentum);
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  private static void requireMomentum(float momentum) {
    if (!(momentum >= 0) || Float.isInfinite(momentum)) {
      throw new IllegalArgumentException("SGD momentum must be >= 0, got " + momentum);
    }
  }

  /** The constant learning rate (where the variable starts), or the schedule's rate at step 0. */
  public float learningRate() {
    return baseLearningRate();
  }

  public float momentum() {
    return momentum;
  }

  public boolean nesterov() {
    return nesterov;
  }

  private boolean plain() {
    return momentum == 0 && !nesterov;
  }

  @Override
  protected void createSlots(OptimizerUpdate update, Variable<TFloat32> variable) {
    if (!plain()) {
      update.createSlot(variable, "momentum");
    }
  }

  @Override
  protected Op applyDense(OptimizerUpdate update, Gradient g) {
    Ops tf = update.tf();
    if (plain()) {
      return tf.train.applyGradientDescent(g.variable(), update.learningRate(), g.gradient());
    }
    return tf.train.applyMomentum(g.variable(), update.slot(g.variable(), "momentum"), update.learningRate(),
        g.gradient(), update.constant(momentum), ApplyMomentum.useNesterov(nesterov));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sgd s && Objects.equals(s.schedule(), schedule()) && Float.compare(s.learningRate(), learningRate()) == 0
        && Float.compare(s.momentum, momentum) == 0 && s.nesterov == nesterov;
  }

  @Override
  public int hashCode() {
    return Objects.hash(schedule(), learningRate(), momentum, nesterov);
  }

  @Override
  public String toString() {
    return "Sgd[learningRate=" + (schedule() != null ? schedule() : learningRate()) + ", momentum=" + momentum + ", nesterov=" + nesterov + "]";
  }
}
