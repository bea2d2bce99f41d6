package dev.topiary.tflite;

import dev.topiary.dsl.layers.Layer;

/**
 * How one layer type becomes TFLite builtin operators, for layers the writer does not know (a user's
 * own layer). Give it to the layer's {@link dev.topiary.dsl.layers.LayerType} ({@code .with(TfliteLowering.class, ...)}); the writer then calls it for every
 * node of that exact class, with a {@link LoweringContext} that gives the node's input tensors, the
 * layer's stripped weights, and ways to add constants (kernels stored as the flavour asks) and ops.
 */
@FunctionalInterface
public interface TfliteLowering<L extends Layer> {
  /** Adds the ops computing {@code layer}'s output and names that tensor with {@link LoweringContext#output}. */
  void lower(L layer, LoweringContext context);
}
