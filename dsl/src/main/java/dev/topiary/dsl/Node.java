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
  /** For a further output of a layer call: the node of its first output; null otherwise. */
  private final @Nullable Node primary;
  private final int outputIndex;
  private final List<Node> furtherOutputs = new java.util.ArrayList<>();

  private Node(Layer layer, List<Node> inputs, Shape shape, String inputName, @Nullable Node primary, int outputIndex) {
    this.layer = layer;
    this.inputs = inputs;
    this.shape = shape;
    this.inputName = inputName;
    this.primary = primary;
    this.outputIndex = outputIndex;
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
    return new Node(null, List.of(), Shapes.batchOf(dims), name, null, 0);
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
    List<Shape> outputs = layer.outputShapes(shapes);
    Node first = new Node(layer, List.copyOf(inputs), outputs.get(0), null, null, 0);
    for (int i = 1; i < outputs.size(); i++) {
      first.furtherOutputs.add(new Node(layer, first.inputs, outputs.get(i), null, first, i));
    }
    return first;
  }

  static String describe(Layer layer) {
    return layer instanceof BaseLayer<?> b ? b.describe() : "layer " + layer.typeName();
  }

  /**
   * Output {@code index} of the layer call that made this node (0 is this node itself), e.g. the
   * states of an RNN built with {@code returnState(true)}.
   */
  public Node output(int index) {
    Node first = primary != null ? primary : this;
    if (index == 0) {
      return first;
    }
    if (index < 0 || index > first.furtherOutputs.size()) {
      throw new IllegalArgumentException(describe(layer) + " has " + (first.furtherOutputs.size() + 1)
          + " output(s), asked for output " + index);
    }
    return first.furtherOutputs.get(index - 1);
  }

  /** True for a further output (index >= 1) of a layer call; its value comes from the first output's call. */
  public boolean isFurtherOutput() {
    return primary != null;
  }

  /** The index of this output in its layer call (0 for most nodes). */
  public int outputIndex() {
    return outputIndex;
  }

  /** What must be computed before this node: its inputs, or for a further output, the call's first output. */
  List<Node> dependencies() {
    return primary != null ? List.of(primary) : inputs;
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

  /**
   * What this node is: {@code Input 'pixels' (None, 28, 28)}, {@code Input (None, 8)}, or a layer
   * output with the shapes it came from, e.g. {@code Dense 'logits' (None, 10) <- (None, 64)} (layers
   * named by the model show their type only; output {@code i > 0} of a call adds {@code [i]}).
   */
  @Override
  public String toString() {
    if (isInput()) {
      return "Input" + (inputName != null ? " '" + inputName + "'" : "") + " " + Shapes.format(shape);
    }
    String from = inputs.stream().map(n -> Shapes.format(n.shape())).collect(java.util.stream.Collectors.joining(", "));
    return layer.typeName() + (layer.name() != null ? " '" + layer.name() + "'" : "")
        + (outputIndex > 0 ? "[" + outputIndex + "]" : "") + " " + Shapes.format(shape) + " <- " + from;
  }
}
