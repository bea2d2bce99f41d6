package dev.topiary.dsl.training;

import java.util.Objects;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;

/** SGD on ApplyGradientDescent, or with momentum (optionally Nesterov) on ApplyMomentum, slot {@code momentum}. */
public final class Sgd extends Optimizer {
  private final float learningRate;
  private final float momentum;
  private final boolean nesterov;

  public Sgd(float learningRate, float momentum, boolean nesterov) {
    super("sgd");
    requirePositive("SGD learning rate", learningRate);
    if (!(momentum >= 0) || Float.isInfinite(momentum)) {
      throw new IllegalArgumentException("SGD momentum must be >= 0, got " + momentum);
    }
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  public float learningRate() {
    return learningRate;
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
      return tf.train.applyGradientDescent(g.variable(), tf.constant(learningRate), g.gradient());
    }
    return tf.train.applyMomentum(g.variable(), update.slot(g.variable(), "momentum"), tf.constant(learningRate),
        g.gradient(), tf.constant(momentum), ApplyMomentum.useNesterov(nesterov));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sgd s && Float.compare(s.learningRate, learningRate) == 0
        && Float.compare(s.momentum, momentum) == 0 && s.nesterov == nesterov;
  }

  @Override
  public int hashCode() {
    return Objects.hash(learningRate, momentum, nesterov);
  }

  @Override
  public String toString() {
    return "Sgd[learningRate=" + learningRate + ", momentum=" + momentum + ", nesterov=" + nesterov + "]";
  }
}
