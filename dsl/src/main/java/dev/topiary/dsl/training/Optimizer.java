package dev.topiary.dsl.training;

import org.tensorflow.Graph;

/**
 * An optimizer's settings; {@link #create(Graph)} makes the tensorflow-framework optimizer for a
 * model's graph. Immutable: one value can configure many models.
 */
public sealed interface Optimizer permits Optimizer.Adam, Optimizer.Sgd, Optimizer.RmsProp {

  org.tensorflow.framework.optimizers.Optimizer create(Graph graph);

  /** Adam with Keras' defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  static Adam adam() {
    return new Adam(0.001f, 0.9f, 0.999f, 1e-7f);
  }

  static Adam adam(float learningRate) {
    return new Adam(learningRate, 0.9f, 0.999f, 1e-7f);
  }

  /** Plain SGD (learning rate 0.01, Keras' default). */
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

  record Adam(float learningRate, float beta1, float beta2, float epsilon) implements Optimizer {
    public Adam {
      requirePositive("Adam learning rate", learningRate);
      requirePositive("Adam epsilon", epsilon);
    }

    @Override
    public org.tensorflow.framework.optimizers.Optimizer create(Graph graph) {
      return new org.tensorflow.framework.optimizers.Adam(graph, learningRate, beta1, beta2, epsilon);
    }
  }

  record Sgd(float learningRate, float momentum, boolean nesterov) implements Optimizer {
    public Sgd {
      requirePositive("SGD learning rate", learningRate);
      if (!(momentum >= 0)) {
        throw new IllegalArgumentException("SGD momentum must be >= 0, got " + momentum);
      }
    }

    @Override
    public org.tensorflow.framework.optimizers.Optimizer create(Graph graph) {
      return momentum == 0 && !nesterov
          ? new org.tensorflow.framework.optimizers.GradientDescent(graph, learningRate)
          : new org.tensorflow.framework.optimizers.Momentum(graph, learningRate, momentum, nesterov);
    }
  }

  record RmsProp(float learningRate, float rho, float momentum, float epsilon) implements Optimizer {
    public RmsProp {
      requirePositive("RMSProp learning rate", learningRate);
    }

    @Override
    public org.tensorflow.framework.optimizers.Optimizer create(Graph graph) {
      return new org.tensorflow.framework.optimizers.RMSProp(graph, learningRate, rho, momentum, epsilon, false);
    }
  }
}
