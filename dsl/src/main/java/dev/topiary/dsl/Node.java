package dev.topiary.dsl;

import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ndarray.Shape;

/**
 * A symbolic tensor of a functional model: a model input, or the output of a layer applied to other
 * nodes. Its shape is known when it is made, so shape errors surface at definition time, naming the
 * layer and the shapes.
 */
public final class Node {
  private final Layer layer;
  private final List<Node> inputs;
  private final Shape shape;
  private final String inputName;

  private Node(Layer layer, List<Node> inputs, Shape shape, String inputName) {
    this.layer = layer;
    this.inputs = inputs;
    this.shape = shape;
    this.inputName = inputName;
  }

  /** A model input taking examples of shape {@code dims} (batch excluded). */
  public static Node input(long... dims) {
    return input(null, dims);
  }

  /** A named model input ({@code name} is the serving signature key later). */
  public static Node input(String name, long... dims) {
    for (long d : dims) {
      if (d < 1) {
        throw new IllegalArgumentException("input dimensions must be >= 1, got " + java.util.Arrays.toString(dims));
      }
    }
    return new Node(null, List.of(), Shapes.batchOf(dims), name);
  }

  /** {@code layer} applied to {@code inputs}; the output shape is computed now. */
  public static Node of(Layer layer, List<Node> inputs) {
    Objects.requireNonNull(layer, "layer");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException(describe(layer) + " must be applied to at least one input");
    }
    int expected = layer.inputCount();
    if (expected > 0 && inputs.size() != expected) {
      throw new LayerShapeException(describe(layer) + " takes " + expected + " input(s), got " + inputs.size());
    }
    List<Shape> shapes = inputs.stream().map(Node::shape).toList();
    return new Node(layer, List.copyOf(inputs), layer.outputShape(shapes), null);
  }

  static String describe(Layer layer) {
    return layer instanceof BaseLayer<?> b ? b.describe() : "layer " + layer.typeName();
  }

  public boolean isInput() {
    return layer == null;
  }

  /** The layer that produced this node, or null for a model input. */
  public @Nullable Layer layer() {
    return layer;
  }

  public List<Node> inputs() {
    return inputs;
  }

  /** The shape with an unknown batch dimension first. */
  public Shape shape() {
    return shape;
  }

  /** The explicit input name, or null (inputs only). */
  public @Nullable String inputName() {
    return inputName;
  }

  @Override
  public String toString() {
    return (isInput() ? "Input" : layer.typeName()) + Shapes.format(shape);
  }
}
