package dev.topiary.dsl.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One example as generators, files and {@link Dataset#map} see it: an array per model input, an array
 * per model output's labels (none when predicting), an optional weight and optional names (then the
 * model matches inputs and outputs by name). Batching stacks the examples' arrays along a new first
 * dimension, so every example of a dataset must have the same structure: the same number of inputs and
 * labels with the same element types, shapes and names.
 *
 * @param inputs one array per model input, shaped as ONE example (no batch dimension)
 * @param labels one array per model output (empty when predicting)
 * @param weight the example's weight, or null (weight 1)
 * @param inputNames the model input each of {@code inputs} feeds, or null for positional
 * @param labelNames the model output each of {@code labels} belongs to, or null for positional
 */
public record Example(List<Values> inputs, List<Values> labels, @Nullable Float weight,
    @Nullable List<String> inputNames, @Nullable List<String> labelNames) {

  public Example {
    inputs = List.copyOf(inputs);
    labels = List.copyOf(labels);
    inputNames = inputNames == null ? null : List.copyOf(inputNames);
    labelNames = labelNames == null ? null : List.copyOf(labelNames);
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("an example needs at least one input array");
    }
    if (inputNames != null && inputNames.size() != inputs.size()) {
      throw new IllegalArgumentException(inputNames.size() + " input names for " + inputs.size() + " inputs");
    }
    if (labelNames != null && labelNames.size() != labels.size()) {
      throw new IllegalArgumentException(labelNames.size() + " label names for " + labels.size() + " labels");
    }
    if (weight != null && !Float.isFinite(weight)) {
      throw new IllegalArgumentException("an example's weight must be finite, got " + weight);
    }
  }

  /** Float features and a class index. */
  public static Example of(float[] features, int label) {
    return new Example(List.of(Values.of(features)), List.of(Values.label(label)), null, null, null);
  }

  /** Float features and float targets. */
  public static Example of(float[] features, float[] targets) {
    return new Example(List.of(Values.of(features)), List.of(Values.of(targets)), null, null, null);
  }

  /** Features only (for predict). */
  public static Example of(float[] features) {
    return new Example(List.of(Values.of(features)), List.of(), null, null, null);
  }

  /** One input and one label array. */
  public static Example of(Values input, Values label) {
    return new Example(List.of(input), List.of(label), null, null, null);
  }

  /** Positional inputs and labels. */
  public static Example of(List<Values> inputs, List<Values> labels) {
    return new Example(inputs, labels, null, null, null);
  }

  /** Inputs and labels by the model's input and output names (iteration order of the maps is kept). */
  public static Example named(Map<String, Values> inputs, Map<String, Values> labels) {
    return new Example(new ArrayList<>(inputs.values()), new ArrayList<>(labels.values()), null,
        new ArrayList<>(inputs.keySet()), new ArrayList<>(labels.keySet()));
  }

  /** This example with weight {@code w}. */
  public Example withWeight(float w) {
    return new Example(inputs, labels, w, inputNames, labelNames);
  }

  /** This example with other inputs (names kept). */
  public Example withInputs(List<Values> newInputs) {
    return new Example(newInputs, labels, weight, newInputs.size() == inputs.size() ? inputNames : null, labelNames);
  }

  /** This example with other labels (names kept). */
  public Example withLabels(List<Values> newLabels) {
    return new Example(inputs, newLabels, weight, inputNames, newLabels.size() == labels.size() ? labelNames : null);
  }

  /** The first input (the usual single-input case). */
  public Values input() {
    return inputs.get(0);
  }

  /** The first label. */
  public Values label() {
    if (labels.isEmpty()) {
      throw new IllegalStateException("this example has no labels");
    }
    return labels.get(0);
  }

  /**
   * The values of one input or label of one example: float or int32, row-major, with the example's
   * shape (no batch dimension; a class index is a scalar, shape []).
   */
  public static final class Values {
    private final HostArray.DType dtype;
    private final Object data;
    private final long[] shape;

    private Values(HostArray.DType dtype, Object data, long[] shape) {
      long size = 1;
      for (long d : shape) {
        if (d < 0) {
          throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
        }
        size = Math.multiplyExact(size, d);
      }
      int length = java.lang.reflect.Array.getLength(data);
      if (size != length) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size + " values but "
            + length + " were given");
      }
      this.dtype = dtype;
      this.data = data;
      this.shape = shape;
    }

    /** Floats of {@code shape} (a vector of all of them by default). Not copied: do not change them. */
    public static Values of(float[] values, long... shape) {
      return new Values(HostArray.DType.FLOAT32, values, shape.length == 0 ? new long[] {values.length} : shape.clone());
    }

    /** Ints of {@code shape} (a vector of all of them by default). Not copied: do not change them. */
    public static Values ofInts(int[] values, long... shape) {
      return new Values(HostArray.DType.INT32, values, shape.length == 0 ? new long[] {values.length} : shape.clone());
    }

    /** A scalar float (a regression target). */
    public static Values scalar(float value) {
      return new Values(HostArray.DType.FLOAT32, new float[] {value}, new long[0]);
    }

    /** A class index (a scalar int). */
    public static Values label(int classIndex) {
      return new Values(HostArray.DType.INT32, new int[] {classIndex}, new long[0]);
    }

    /** Example {@code index} of a host array (its first dimension counts examples). */
    public static Values of(HostArray array, int index) {
      HostArray one = array.slice(index, index + 1);
      long[] shape = array.exampleShape();
      return switch (array.dtype()) {
        case FLOAT32 -> new Values(HostArray.DType.FLOAT32, one.floats(), shape);
        case INT32 -> new Values(HostArray.DType.INT32, one.ints(), shape);
        case INT64 -> throw new IllegalArgumentException("int64 arrays are not data: use int32 labels");
      };
    }

    /** The same values in another shape of as many values. */
    public Values reshape(long... newShape) {
      return new Values(dtype, data, newShape.clone());
    }

    public HostArray.DType dtype() {
      return dtype;
    }

    public long[] shape() {
      return shape.clone();
    }

    public int size() {
      return java.lang.reflect.Array.getLength(data);
    }

    /** A copy of the values as floats (ints converted). */
    public float[] floats() {
      if (dtype == HostArray.DType.FLOAT32) {
        return ((float[]) data).clone();
      }
      int[] ints = (int[]) data;
      float[] out = new float[ints.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = ints[i];
      }
      return out;
    }

    /** A copy of the int values. */
    public int[] ints() {
      if (dtype != HostArray.DType.INT32) {
        throw new IllegalStateException("these values are float, not int");
      }
      return ((int[]) data).clone();
    }

    /** The class index of a one-value int array. */
    public int intValue() {
      int[] v = ints();
      if (v.length != 1) {
        throw new IllegalStateException("not a single value: shape " + Arrays.toString(shape));
      }
      return v[0];
    }

    boolean sameStructure(Values o) {
      return dtype == o.dtype && Arrays.equals(shape, o.shape);
    }

    void copyInto(Object target, int at) {
      System.arraycopy(data, 0, target, at, size());
    }

    String typeName() {
      return (dtype == HostArray.DType.FLOAT32 ? "float" : "int") + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Values v) || !sameStructure(v)) {
        return false;
      }
      return dtype == HostArray.DType.FLOAT32 ? Arrays.equals((float[]) data, (float[]) v.data)
          : Arrays.equals((int[]) data, (int[]) v.data);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(shape)
          + (dtype == HostArray.DType.FLOAT32 ? Arrays.hashCode((float[]) data) : Arrays.hashCode((int[]) data));
    }

    @Override
    public String toString() {
      return typeName();
    }
  }
}
