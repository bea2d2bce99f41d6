package dev.topiary.dsl.training;

import dev.topiary.dsl.training.schedules.LearningRateSchedule;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

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
 *
 * <p><b>Learning rate.</b> An optimizer made with {@link #Optimizer(String, float)} keeps its rate in a
 * float32 scalar variable {@value #LEARNING_RATE} in the optimizer scope (state name
 * {@code optimizer/learning_rate}), which can be changed between steps (e.g. by ReduceLROnPlateau);
 * one made with {@link #Optimizer(String, LearningRateSchedule)} evaluates the schedule on the step
 * inside every update and has no such variable. Either way {@link OptimizerUpdate#learningRate()} is
 * the rate of the step being built. An optimizer made with {@link #Optimizer(String)} handles its
 * rate itself.
 */
public abstract class Optimizer {

  /** One trainable variable and its gradient. */
  public record Gradient(Variable<TFloat32> variable, Operand<TFloat32> gradient) {}

  /** The name of the learning-rate variable in the optimizer scope. */
  public static final String LEARNING_RATE = "learning_rate";

  private final String name;
  /** The constant (start) learning rate, or NaN with a schedule or when the subclass handles its rate. */
  private final float learningRate;
  private final @Nullable LearningRateSchedule schedule;

  /**
   * An optimizer that handles its learning rate itself: {@link OptimizerUpdate#learningRate()} is not
   * available, and the model has no learning-rate variable.
   *
   * @param name short lower-case name; the op of one step is {@code <name>_step}, and slot names
   *     should start with it ({@code adam_m}) so that optimizers never share a slot by accident
   */
  protected Optimizer(String name) {
    this(name, Float.NaN, null);
  }

  /**
   * An optimizer whose learning rate lives in the variable {@value #LEARNING_RATE}, starting at
   * {@code learningRate} (check it in the subclass, e.g. with {@link #requirePositive}).
   */
  protected Optimizer(String name, float learningRate) {
    this(name, learningRate, null);
  }

  /** An optimizer whose learning rate is {@code schedule} evaluated at each step. */
  protected Optimizer(String name, LearningRateSchedule schedule) {
    this(name, Float.NaN, java.util.Objects.requireNonNull(schedule, "schedule"));
  }

  private Optimizer(String name, float learningRate, @Nullable LearningRateSchedule schedule) {
    if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("an optimizer's name must be lower-case letters, digits and '_', got '"
          + name + "'");
    }
    this.name = name;
    this.learningRate = learningRate;
    this.schedule = schedule;
  }

  /** The learning-rate schedule, or null for a constant (changeable) rate. */
  public final @Nullable LearningRateSchedule schedule() {
    return schedule;
  }

  /**
   * The constant learning rate the variable starts at; with a schedule, the schedule's rate at step
   * 0 (as float32).
   *
   * @throws IllegalStateException for an optimizer that handles its rate itself
   */
  protected final float baseLearningRate() {
    if (schedule != null) {
      return (float) schedule.at(0);
    }
    if (Float.isNaN(learningRate)) {
      throw new IllegalStateException("optimizer " + name + " handles its learning rate itself");
    }
    return learningRate;
  }

  /** The optimizer's short name, e.g. {@code adam}. */
  public final String name() {
    return name;
  }

  /**
   * The ops of one optimizer step over {@code gradients}, as one op built with {@code tf}.
   *
   * @throws IllegalArgumentException for an optimizer with a schedule, which needs the step
   */
  public final Op apply(Ops tf, List<Gradient> gradients) {
    return apply(tf, gradients, null);
  }

  /**
   * The ops of one optimizer step over {@code gradients}, as one op built with {@code tf}.
   *
   * @param step the number of training steps completed before this one (Keras'
   *     {@code optimizer.iterations}), read before this step advances it; what a schedule is
   *     evaluated at. May be null for an optimizer without a schedule.
   */
  public final Op apply(Ops tf, List<Gradient> gradients, @Nullable Operand<TInt64> step) {
    Operand<TFloat32> rate = null;
    if (schedule != null) {
      if (step == null) {
        throw new IllegalArgumentException("optimizer " + name + " has a learning-rate schedule, which needs the"
            + " step: use apply(tf, gradients, step)");
      }
      rate = schedule.at(tf.withSubScope("learning_rate_schedule"), step);
    } else if (!Float.isNaN(learningRate)) {
      Variable<TFloat32> variable = tf.withName(LEARNING_RATE).variable(tf.constant(learningRate));
      rate = tf.withName(LEARNING_RATE + "_read").identity(variable);
    }
    OptimizerUpdate update = new OptimizerUpdate(tf, name, rate, step);
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

  /** Adam with Keras' defaults and a learning-rate schedule. */
  public static Adam adam(LearningRateSchedule schedule) {
    return new Adam(schedule, 0.9f, 0.999f, 1e-7f);
  }

  /** Plain SGD. */
  public static Sgd sgd(float learningRate) {
    return new Sgd(learningRate, 0f, false);
  }

  /** Plain SGD with a learning-rate schedule. */
  public static Sgd sgd(LearningRateSchedule schedule) {
    return new Sgd(schedule, 0f, false);
  }

  /** SGD with momentum, optionally Nesterov. */
  public static Sgd sgd(float learningRate, float momentum, boolean nesterov) {
    return new Sgd(learningRate, momentum, nesterov);
  }

  /** SGD with momentum, optionally Nesterov, and a learning-rate schedule. */
  public static Sgd sgd(LearningRateSchedule schedule, float momentum, boolean nesterov) {
    return new Sgd(schedule, momentum, nesterov);
  }

  /** RMSProp with Keras' defaults: rho 0.9, momentum 0, epsilon 1e-7. */
  public static RmsProp rmsProp(float learningRate) {
    return new RmsProp(learningRate, 0.9f, 0f, 1e-7f);
  }

  /** RMSProp with Keras' defaults and a learning-rate schedule. */
  public static RmsProp rmsProp(LearningRateSchedule schedule) {
    return new RmsProp(schedule, 0.9f, 0f, 1e-7f);
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
