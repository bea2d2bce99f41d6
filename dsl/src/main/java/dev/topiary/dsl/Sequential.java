package dev.topiary.dsl;

import dev.topiary.dsl.layers.Layer;
import java.util.List;

/** A linear stack of layers, as Keras' {@code Sequential}. */
public final class Sequential {
  private Sequential() {}

  /** {@code input} followed by {@code layers}, each fed by the previous one. */
  public static ModelSpec of(Node input, Layer... layers) {
    return of(input, List.of(layers));
  }

  public static ModelSpec of(Node input, List<? extends Layer> layers) {
    if (!input.isInput()) {
      throw new IllegalArgumentException("a Sequential model starts with Input.of(...), got " + input);
    }
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a Sequential model needs at least one layer");
    }
    Node x = input;
    for (Layer layer : layers) {
      x = Node.of(layer, List.of(x));
    }
    return new ModelSpec("Sequential", List.of(input), List.of(x));
  }
}
