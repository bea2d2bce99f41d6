package dev.topiary.dsl.layers;

/** A layer cannot take inputs of the given shapes; the message names the layer and the shapes. */
public class LayerShapeException extends IllegalArgumentException {
  public LayerShapeException(String message) {
    super(message);
  }
}
