package dev.topiary.dsl;

import java.util.List;

/**
 * A model as a graph of layers, as Keras' functional {@code Model(inputs, outputs)}: several inputs
 * and outputs, shared layers and merge layers.
 *
 * <pre>{@code
 * Node in = Input.of(784);
 * Node h = Dense.of(64, Activation.RELU).apply(in);
 * ModelSpec model = Functional.of(in, Dense.of(10).apply(h));
 * }</pre>
 */
public final class Functional {
  private Functional() {}

  public static ModelSpec of(Node input, Node output) {
    return new ModelSpec("Functional", List.of(input), List.of(output));
  }

  public static ModelSpec of(List<Node> inputs, List<Node> outputs) {
    return new ModelSpec("Functional", inputs, outputs);
  }
}
