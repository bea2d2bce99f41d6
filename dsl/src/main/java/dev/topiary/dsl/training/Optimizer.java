package dev.topiary.dsl.training;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * An optimizer's settings; {@link #apply} builds its update ops into a model's graph. Immutable: one
 * value can configure many models, so whatever one graph needs (slots, counters) lives in the
 * {@link OptimizerUpdate} of that application, never in the optimizer.
 *
 * <p>{@link #apply} is one template, as TF Java framework's optimizers: {@link #prepare} once (shared
 * variables such as Adam's beta powers), then for each variable {@link #createSlots} and
 * {@link #applyDense}, then {@link #finish} (by default one op that waits for every update). To add an
 * optimizer, extend this class, implement {@link #applyDense} (and the other steps it needs), give it
 * {@code equals}, and register it with {@link TrainingRegistry#registerOptimizer} to save it in configs.
 *
 * <p>The built-ins run TensorFlow's own training kernels (ApplyAdam, ApplyMomentum, ApplyRMSProp,
 * ApplyGradientDescent), the ones tensorflow-framework's optimizers use. Slot variables are named
 * {@code <variable>_<slot>} (e.g. {@code dense_kernel_adam_m}); checkpoints depend on these names.
 */
public abstract class Optimizer {

  /** One trainable variable and its gradient. */
  public record Gradient(Variable<TFloat32> variable, Operand<TFloat32> gradient) {}

  private final String name;

  /**
   * @param name short lower-case name; the op of one step is {@code <name>_step}, and slot names
   *     should start with it ({@code adam_m}) so that optimizers never share a slot by accident
   */
  protected Optimizer(String name) {
    if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("an optimizer's name must be lower-case letters, digits and '_', got '"
          + name + "'");
    }
    this.name = name;
  }

  /** The optimizer's short name, e.g. {@code adam}. */
  public final String name() {
    return name;
  }

  /** The ops of one optimizer step over {@code gradients}, as one op built with {@code tf}. */
  public final Op apply(Ops tf, List<Gradient> gradients) {
    OptimizerUpdate update = new OptimizerUpdate(tf, name);
    prepare(update);
    List<Op> updates = new ArrayList<>();
    for (Gradient g : gradients) {
      createSlots(update, g.variable());
      updates.add(applyDense(update, g));
    }
    return finish(update, updates);
  }

  /** Creates the variables shared by every update of this step (none by default). */
  protected void prepare(OptimizerUpdate update) {}

  /** Creates {@code variable}'s slots with {@link OptimizerUpdate#createSlot} (none by default). */
  protected void createSlots(OptimizerUpdate update, Variable<TFloat32> variable) {}

  /** The op that updates {@code gradient.variable()} from its gradient (and its slots). */
  protected abstract Op applyDense(OptimizerUpdate update, Gradient gradient);

  /** One op that runs after every update; override to add work that must wait for all of them. */
  protected Op finish(OptimizerUpdate update, List<Op> updates) {
    return update.group(updates);
  }

  /** Adam with Keras' defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7. */
  public static Adam adam() {
    return new Adam(0.001f, 0.9f, 0.999f, 1e-7f);
  }

  public static Adam adam(float learningRate) {
    return new Adam(learningRate, 0.9f, 0.999f, 1e-7f);
  }

  /** Plain SGD. */
  public static Sgd sgd(float learningRate) {
    return new Sgd(learningRate, 0f, false);
  }

  /** SGD with momentum, optionally Nesterov. */
  public static Sgd sgd(float learningRate, float momentum, boolean nesterov) {
    return new Sgd(learningRate, momentum, nesterov);
  }

  /** RMSProp with Keras' defaults: rho 0.9, momentum 0, epsilon 1e-7. */
  public static RmsProp rmsProp(float learningRate) {
    return new RmsProp(learningRate, 0.9f, 0f, 1e-7f);
  }

  /** @throws IllegalArgumentException unless {@code value} is positive and finite, naming {@code what} */
  protected static void requirePositive(String what, float value) {
    if (!(value > 0) || Float.isInfinite(value)) {
      throw new IllegalArgumentException(what + " must be a positive number, got " + value);
    }
  }

  /** @throws IllegalArgumentException unless {@code value} is in [0, 1), naming {@code what} */
  protected static void requireFraction(String what, float value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(what + " must be in [0, 1), got " + value);
    }
  }
}
