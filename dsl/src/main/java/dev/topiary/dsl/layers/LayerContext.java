package dev.topiary.dsl.layers;

import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** What a layer sees while it builds its ops: the {@code Ops}, its weights, and the mode. */
public interface LayerContext {

  /** The ops factory, scoped to this layer; graph or eager. */
  Ops tf();

  /** The value of the layer's weight {@code name} (one of its {@link Layer#weights}), as this pass must see it. */
  Operand<TFloat32> weight(String name);

  /** True in the training pass (dropout active, batch statistics), false for inference. */
  boolean training();

  /** A seed for this layer's random ops, fixed by the model seed and the layer's place. */
  long seed();

  /**
   * The current training step (int64 scalar), so that random ops can be stateless: seeded by
   * (seed, step), a restored model draws the same numbers as an uninterrupted one. Training pass only.
   */
  Operand<org.tensorflow.types.TInt64> step();

  /**
   * The (seed, step) pair of TF's stateless random ops: the draw depends only on the layer's seed and
   * the step, so resumed training repeats it exactly. Training pass only.
   */
  default Operand<org.tensorflow.types.TInt64> statelessSeed() {
    return tf().stack(java.util.List.of(tf().constant(seed()), step()));
  }

  /**
   * Registers an op that each training step must run (e.g. moving-average updates); only valid in
   * the training pass.
   */
  void addUpdate(Op update);

  /**
   * The mask of the first input, {@code (batch, steps)} bool, true where a step is real (Keras'
   * {@code mask_zero}), or null when the input carries none.
   */
  default org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool> inputMask() {
    return null;
  }

  /**
   * The mask of every input, in input order, each null where that input carries none: what Keras hands a
   * layer whose inputs are a list (merges, attention). The first is {@link #inputMask()}.
   */
  default java.util.List<org.tensorflow.@org.jspecify.annotations.Nullable Operand<org.tensorflow.types.TBool>> inputMasks() {
    return java.util.Collections.singletonList(inputMask());
  }

  /** Assigns {@code value} to the non-trainable weight {@code name}; training pass only. */
  Op assign(String name, Operand<TFloat32> value);
}
