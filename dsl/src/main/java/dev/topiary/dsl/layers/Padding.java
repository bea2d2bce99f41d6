package dev.topiary.dsl.layers;

/** Convolution and pooling padding, as in Keras. */
public enum Padding {
  /** No padding: the output shrinks by the window size minus one (Keras' default). */
  VALID,
  /** Zero padding so that the output has ceil(input / stride) positions. */
  SAME;

  /**
   * Parses {@code "valid"} / {@code "same"} (any case), as written in configs.
   *
   * @throws IllegalArgumentException for any other value
   */
  public static Padding parse(String name) {
    for (Padding p : values()) {
      if (p.name().equalsIgnoreCase(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown padding '" + name + "', expected valid or same");
  }
}
