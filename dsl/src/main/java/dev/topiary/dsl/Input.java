package dev.topiary.dsl;

/** Keras-style input declarations: {@code Input.of(28, 28, 1)}. */
public final class Input {
  private Input() {}

  /** A model input taking examples of shape {@code dims} (batch excluded). */
  public static Node of(long... dims) {
    return Node.input(dims);
  }

  /** A named model input. */
  public static Node named(String name, long... dims) {
    return Node.input(name, dims);
  }
}
