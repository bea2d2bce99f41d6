package dev.topiary.dsl.layers;

/** Convolution and pooling padding, as in Keras. */
public enum Padding {
  /** No padding: the output shrinks by the window size minus one (Keras' default). */
  VALID,
  /** Zero padding so that the output has ceil(input / stride) positions. */
  SAME;

  String tfName() {
    return name();
  }
}
