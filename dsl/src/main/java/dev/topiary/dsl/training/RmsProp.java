package dev.topiary.dsl.training;

import java.util.Objects;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** RMSProp on ApplyRMSProp, slots {@code rmsprop_ms} (mean square) and {@code rmsprop_mom}. */
public final class RmsProp extends Optimizer {
  private final float learningRate;
  private final float rho;
  private final float momentum;
  private final float epsilon;

  public RmsProp(float learningRate, float rho, float momentum, float epsilon) {
    super("rmsprop");
    requirePositive("RMSProp learning rate", learningRate);
    requireFraction("RMSProp rho", rho);
    requirePositive("RMSProp epsilon", epsilon);
    this.learningRate = learningRate;
    this.rho = rho;
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  public float learningRate() {
    return learningRate;
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
        update.slot(g.variable(), "rmsprop_mom"), tf.constant(learningRate), tf.constant(rho), tf.constant(momentum),
        tf.constant(epsilon), g.gradient());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RmsProp r && Float.compare(r.learningRate, learningRate) == 0 && Float.compare(r.rho, rho) == 0
        && Float.compare(r.momentum, momentum) == 0 && Float.compare(r.epsilon, epsilon) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(learningRate, rho, momentum, epsilon);
  }

  @Override
  public String toString() {
    return "RmsProp[learningRate=" + learningRate + ", rho=" + rho + ", momentum=" + momentum + ", epsilon=" + epsilon
        + "]";
  }
}
