package dev.topiary.tflite;

import java.util.List;

/** The model has layers (or settings) that the TFLite writer cannot express; every one is listed. */
public final class UnsupportedLayersException extends IllegalArgumentException {
  private final List<String> problems;

  UnsupportedLayersException(List<String> problems) {
    super("cannot write a .tflite file: " + problems.size() + " unsupported layer(s): " + String.join("; ", problems)
        + ". Supported: " + Lowering.SUPPORTED);
    this.problems = List.copyOf(problems);
  }

  /** One entry per unsupported layer, naming it, its type and why. */
  public List<String> problems() {
    return problems;
  }
}
