package dev.topiary.dsl.training;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;

/**
 * An optimizer's settings; {@link #apply} builds its update ops into a model's graph. Immutable: one
 * value can configure many models.
 *
 * <p>The updates run TensorFlow's own training kernels (ApplyAdam, ApplyMomentum, ApplyRMSProp,
 * ApplyGradientDescent), the ones tensorflow-framework's optimizers use. We build them ourselves
 * because framework 1.1's Adam updates its beta powers concurrently with the ApplyAdam ops that read
 * them, which makes training non-deterministic; here they advance only after every variable update.
 * Slot variables are named {@code <variable>_<optimizer>_<slot>} (e.g. {@code dense_kernel_adam_m}).
 */
public sealed interface Optimizer permits Optimizer.Adam, Optimizer.Sgd, Optimizer.RmsProp {

  /** One trainable variable and its gradient. */
  record Gradient(Variable<TFloat32> variable, Operand<TFloat32> gradient) {}

  /** The ops of one optimizer step over {@code gradients}, as one op. */
  Op apply(Ops tf, List<Gradient> gradients);

  /** Adam with Keras' defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  static Adam adam() {
    return new Adam(0.001f, 0.9f, 0.999f, 1e-7f);
  }

  static Adam adam(float learningRate) {
    return new Adam(learningRate, 0.9f, 0.999f, 1e-7f);
  }

  /** Plain SGD. */
  static Sgd sgd(float learningRate) {
    return new Sgd(learningRate, 0f, false);
  }

  /** SGD with momentum, optionally Nesterov. */
  static Sgd sgd(float learningRate, float momentum, boolean nesterov) {
    return new Sgd(learningRate, momentum, nesterov);
  }

  /** RMSProp with Keras' defaults: rho 0.9, momentum 0, epsilon 1e-7. */
  static RmsProp rmsProp(float learningRate) {
    return new RmsProp(learningRate, 0.9f, 0f, 1e-7f);
  }

  private static void requirePositive(String what, float value) {
    if (!(value > 0) || Float.isInfinite(value)) {
      throw new IllegalArgumentException(what + " must be a positive number, got " + value);
    }
  }

  private static void requireFraction(String what, float value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(what + " must be in [0, 1), got " + value);
    }
  }

  /** A zero-initialized slot variable shaped like {@code v}. */
  private static Variable<TFloat32> slot(Ops tf, Variable<TFloat32> v, String name) {
    return tf.withName(v.op().name().replace('/', '_') + "_" + name)
        .variable(tf.fill(tf.constant(v.shape()), tf.constant(0f)));
  }

  private static Op group(Ops tf, List<Op> ops, String name) {
    return tf.withControlDependencies(ops).withName(tf.scope().makeUnique(name)).noOp();
  }

  record Adam(float learningRate, float beta1, float beta2, float epsilon) implements Optimizer {
    public Adam {
      requirePositive("Adam learning rate", learningRate);
      requireFraction("Adam beta1", beta1);
      requireFraction("Adam beta2", beta2);
      requirePositive("Adam epsilon", epsilon);
    }

    @Override
    public Op apply(Ops tf, List<Gradient> gradients) {
      Variable<TFloat32> beta1Power = tf.withName("adam_beta1_power").variable(tf.constant(beta1));
      Variable<TFloat32> beta2Power = tf.withName("adam_beta2_power").variable(tf.constant(beta2));
      Operand<TFloat32> b1p = tf.identity(beta1Power);
      Operand<TFloat32> b2p = tf.identity(beta2Power);
      List<Op> updates = new ArrayList<>();
      for (Gradient g : gradients) {
        updates.add(tf.train.applyAdam(g.variable(), slot(tf, g.variable(), "adam_m"), slot(tf, g.variable(), "adam_v"),
            b1p, b2p, tf.constant(learningRate), tf.constant(beta1), tf.constant(beta2), tf.constant(epsilon),
            g.gradient()));
      }
      // The beta powers advance only after every ApplyAdam has read them.
      Ops after = tf.withControlDependencies(updates);
      updates.add(after.assign(beta1Power, after.math.mul(b1p, after.constant(beta1))));
      updates.add(after.assign(beta2Power, after.math.mul(b2p, after.constant(beta2))));
      return group(tf, updates, "adam_step");
    }
  }

  record Sgd(float learningRate, float momentum, boolean nesterov) implements Optimizer {
    public Sgd {
      requirePositive("SGD learning rate", learningRate);
      if (!(momentum >= 0) || Float.isInfinite(momentum)) {
        throw new IllegalArgumentException("SGD momentum must be >= 0, got " + momentum);
      }
    }

    @Override
    public Op apply(Ops tf, List<Gradient> gradients) {
      List<Op> updates = new ArrayList<>();
      for (Gradient g : gradients) {
        if (momentum == 0 && !nesterov) {
          updates.add(tf.train.applyGradientDescent(g.variable(), tf.constant(learningRate), g.gradient()));
        } else {
          updates.add(tf.train.applyMomentum(g.variable(), slot(tf, g.variable(), "momentum"),
              tf.constant(learningRate), g.gradient(), tf.constant(momentum), ApplyMomentum.useNesterov(nesterov)));
        }
      }
      return group(tf, updates, "sgd_step");
    }
  }

  record RmsProp(float learningRate, float rho, float momentum, float epsilon) implements Optimizer {
    public RmsProp {
      requirePositive("RMSProp learning rate", learningRate);
      requireFraction("RMSProp rho", rho);
      requirePositive("RMSProp epsilon", epsilon);
    }

    @Override
    public Op apply(Ops tf, List<Gradient> gradients) {
      List<Op> updates = new ArrayList<>();
      for (Gradient g : gradients) {
        // Keras starts the mean square at 0 (tensorflow-framework at 1).
        updates.add(tf.train.applyRmsProp(g.variable(), slot(tf, g.variable(), "rmsprop_ms"),
            slot(tf, g.variable(), "rmsprop_mom"), tf.constant(learningRate), tf.constant(rho),
            tf.constant(momentum), tf.constant(epsilon), g.gradient()));
      }
      return group(tf, updates, "rmsprop_step");
    }
  }
}
