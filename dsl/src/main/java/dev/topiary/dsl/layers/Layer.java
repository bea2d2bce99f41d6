package dev.topiary.dsl.layers;

import dev.topiary.dsl.Node;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * An immutable layer specification: settings only, no graph state. A model build turns it into
 * variables ({@link #weights(List)}) and ops ({@link #call(LayerContext, List)}), once per graph or
 * eager session, so one specification serves any number of models.
 *
 * <p>Applying the same instance at several places of a functional model shares its weights, as in
 * Keras. Shapes include the batch dimension, unknown ({@code -1}).
 *
 * <p>Custom layers implement this interface (usually by extending {@link BaseLayer}) and declare the
 * weights that may be pruned in {@link #prunableWeights()}.
 */
public interface Layer {

  /** The explicit name, or null to let the model name it after {@link #typeName()} (dense, dense_1...). */
  @Nullable String name();

  /** The Keras class name, e.g. {@code Dense}. */
  String typeName();

  /** How many inputs the layer takes, or -1 for "two or more" (merge layers). */
  default int inputCount() {
    return 1;
  }

  /**
   * The output shape for these input shapes.
   *
   * @throws LayerShapeException naming the layer and the shapes when they do not fit
   */
  Shape outputShape(List<Shape> inputShapes);

  /** Shapes of all outputs; most layers have one ({@link #outputShape}), RNNs with state have more. */
  default List<Shape> outputShapes(List<Shape> inputShapes) {
    return List.of(outputShape(inputShapes));
  }

  /** All outputs, in the order of {@link #outputShapes}; the first is {@link #call}'s. */
  default List<Operand<TFloat32>> callOutputs(LayerContext context, List<Operand<TFloat32>> inputs) {
    return List.of(call(context, inputs));
  }

  /** The weights this layer needs for these input shapes (none by default). */
  default List<WeightSpec> weights(List<Shape> inputShapes) {
    return List.of();
  }

  /** The output, built with the context's {@code Ops}: graph or eager alike. */
  Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs);

  /**
   * The mask of this layer's output given its input mask (see {@link LayerContext#inputMask()}). By
   * default masks stop here; layers that keep the steps pass it on, Embedding with {@code maskZero}
   * creates one, recurrent layers and 1-D pooling consume it.
   */
  default org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return null;
  }

  /** Names of the weights that pruning may zero (e.g. {@code kernel}); empty if nothing is prunable. */
  default Set<String> prunableWeights() {
    return Set.of();
  }

  /** How this layer's prunable weights are pruned, if it is marked prunable. */
  default Optional<PruningSpec> pruning() {
    return Optional.empty();
  }

  /** A copy of this layer marked prunable with {@code spec}. */
  Layer withPruning(PruningSpec spec);

  /** A copy of this layer without pruning. */
  Layer withoutPruning();

  /**
   * The layer's settings (without name and pruning) for a saved model config. Built-in layers
   * describe themselves; a custom layer overrides this and registers a factory with
   * {@link dev.topiary.dsl.config.ConfigRegistry#registerLayer}.
   */
  default dev.topiary.dsl.config.Settings config() {
    throw new UnsupportedOperationException("layer type " + typeName() + " does not describe its settings: implement"
        + " config() and register a factory with ConfigRegistry.registerLayer to save models that use it");
  }

  /** Applies this layer to symbolic inputs, for functional models. */
  default Node apply(Node... inputs) {
    return Node.of(this, List.of(inputs));
  }
}
