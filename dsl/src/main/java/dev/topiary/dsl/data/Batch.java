package dev.topiary.dsl.data;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One batch of examples as a {@link Dataset} yields it: an array per model input, an array per
 * model output's labels (none for prediction), optional per-example weights, and optional names.
 * With names, the model matches arrays to its inputs and outputs by name (Keras' dict inputs);
 * without, by position.
 *
 * @param inputs one array per model input, first dimension = the batch's examples
 * @param labels one array per model output (empty when predicting)
 * @param sampleWeights float weights of shape [examples] (null: every example weighs 1)
 * @param inputNames the model input each of {@code inputs} feeds, or null for positional
 * @param labelNames the model output each of {@code labels} belongs to, or null for positional
 */
public record Batch(List<HostArray> inputs, List<HostArray> labels, @Nullable HostArray sampleWeights,
    @Nullable List<String> inputNames, @Nullable List<String> labelNames) {

  public Batch {
    inputs = List.copyOf(inputs);
    labels = List.copyOf(labels);
    inputNames = inputNames == null ? null : List.copyOf(inputNames);
    labelNames = labelNames == null ? null : List.copyOf(labelNames);
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one input array");
    }
    int n = inputs.get(0).examples();
    for (HostArray a : inputs) {
      requireExamples(a, n, "input");
    }
    for (HostArray a : labels) {
      requireExamples(a, n, "label");
    }
    if (sampleWeights != null) {
      requireExamples(sampleWeights, n, "sample weight");
      if (sampleWeights.dtype() != HostArray.DType.FLOAT32 || sampleWeights.shape().length != 1) {
        throw new IllegalArgumentException("sample weights must be float of shape [" + n + "], got " + sampleWeights);
      }
    }
    if (inputNames != null && inputNames.size() != inputs.size()) {
      throw new IllegalArgumentException(inputNames.size() + " input names for " + inputs.size() + " input arrays");
    }
    if (labelNames != null && labelNames.size() != labels.size()) {
      throw new IllegalArgumentException(labelNames.size() + " label names for " + labels.size() + " label arrays");
    }
  }

  private static void requireExamples(HostArray a, int n, String what) {
    if (a.examples() != n) {
      throw new IllegalArgumentException("the batch's " + what + " arrays disagree on the number of examples: " + n
          + " vs " + a.examples() + " (" + a + ")");
    }
  }

  /** A positional batch. */
  public static Batch of(List<HostArray> inputs, List<HostArray> labels) {
    return new Batch(inputs, labels, null, null, null);
  }

  /** The number of examples in this batch. */
  public int examples() {
    return inputs.get(0).examples();
  }
}
