package dev.topiary.dsl.training;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.ndarray.Shape;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * One application of an {@link Optimizer} to one graph: the ops builder, the slots created for each
 * variable, and the optimizer's shared variables ("globals", e.g. Adam's beta powers).
 */
public final class OptimizerUpdate {
  private final Ops tf;
  private final String optimizer;
  private final Map<String, Variable<TFloat32>> slots = new HashMap<>();
  private final Map<String, Global> globals = new HashMap<>();
  private final Map<Float, Operand<TFloat32>> constants = new HashMap<>();
  private final Map<Shape, Operand<TFloat32>> zeros = new HashMap<>();
  private final @Nullable Operand<TFloat32> learningRate;
  private final @Nullable Operand<TInt64> step;

  /** A shared variable and its value read once at the start of the step (before any update). */
  public record Global(Variable<TFloat32> variable, Operand<TFloat32> value) {}

  OptimizerUpdate(Ops tf, String optimizer, @Nullable Operand<TFloat32> learningRate, @Nullable Operand<TInt64> step) {
    this.tf = tf;
    this.optimizer = optimizer;
    this.learningRate = learningRate;
    this.step = step;
  }

  /**
   * The learning rate of this step, a float32 scalar: the learning-rate variable's value, or the
   * schedule at {@link #step()}.
   *
   * @throws IllegalStateException for an optimizer made with {@code Optimizer(String)}, which handles its rate itself
   */
  public Operand<TFloat32> learningRate() {
    if (learningRate == null) {
      throw new IllegalStateException(optimizer + ": no learning rate is managed by the Optimizer base; pass one"
          + " (or a schedule) to its constructor");
    }
    return learningRate;
  }

  /**
   * The number of training steps completed before this one (int64 scalar), read before this step
   * advances it.
   *
   * @throws IllegalStateException when the optimizer was applied without a step
   */
  public Operand<TInt64> step() {
    if (step == null) {
      throw new IllegalStateException(optimizer + ": applied without a step; use Optimizer.apply(tf, gradients, step)");
    }
    return step;
  }

  /** The ops builder, in the optimizer's scope. */
  public Ops tf() {
    return tf;
  }

  /**
   * A float32 scalar constant of this update, one op per value however often it is asked for (an
   * optimizer's hyperparameters, given to every variable's update). A model of a thousand variables
   * would otherwise hold thousands of equal constants, and TF walks every op of the graph for each new
   * combination of feeds and fetches a session runs (the first of them places the whole graph).
   */
  public Operand<TFloat32> constant(float value) {
    return constants.computeIfAbsent(value, v -> tf.constant(v));
  }

  /**
   * A zero-initialized slot shaped like {@code variable}, named {@code <variable>_<slot>}; slots of one
   * shape start from one zeros op.
   */
  public Variable<TFloat32> createSlot(Variable<TFloat32> variable, String slot) {
    return createSlot(variable, slot, zeros.computeIfAbsent(variable.shape(),
        shape -> tf.fill(tf.constant(shape), constant(0f))));
  }

  /** A slot for {@code variable} starting at {@code initial} (of the variable's shape). */
  public Variable<TFloat32> createSlot(Variable<TFloat32> variable, String slot, Operand<TFloat32> initial) {
    String key = slotName(variable, slot);
    if (slots.containsKey(key)) {
      throw new IllegalStateException(optimizer + ": slot '" + slot + "' of " + variable.op().name() + " already exists");
    }
    Variable<TFloat32> v = tf.withName(key).variable(initial);
    slots.put(key, v);
    return v;
  }

  /** The slot created for {@code variable}, or an error naming it. */
  public Variable<TFloat32> slot(Variable<TFloat32> variable, String slot) {
    Variable<TFloat32> v = slots.get(slotName(variable, slot));
    if (v == null) {
      throw new IllegalStateException(optimizer + ": no slot '" + slot + "' for " + variable.op().name()
          + "; create it in createSlots");
    }
    return v;
  }

  /** A shared variable named {@code name} starting at {@code initial}, and its value at the step's start. */
  public Global createGlobal(String name, Operand<TFloat32> initial) {
    if (globals.containsKey(name)) {
      throw new IllegalStateException(optimizer + ": global '" + name + "' already exists");
    }
    Variable<TFloat32> v = tf.withName(name).variable(initial);
    Global g = new Global(v, tf.identity(v));
    globals.put(name, g);
    return g;
  }

  /** The shared variable created in {@link Optimizer#prepare}, or an error naming it. */
  public Global global(String name) {
    Global g = globals.get(name);
    if (g == null) {
      throw new IllegalStateException(optimizer + ": no global '" + name + "'; create it in prepare");
    }
    return g;
  }

  /** One no-op, named {@code <optimizer>_step}, that waits for every op of {@code ops}. */
  public Op group(List<Op> ops) {
    return tf.withControlDependencies(ops).withName(tf.scope().makeUnique(optimizer + "_step")).noOp();
  }

  private static String slotName(Variable<TFloat32> variable, String slot) {
    return variable.op().name().replace('/', '_') + "_" + slot;
  }
}
