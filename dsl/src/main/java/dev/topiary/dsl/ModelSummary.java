package dev.topiary.dsl;

import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.ndarray.Shape;

/** A model summary as data, with a Keras-like table from {@link #toString()}. */
public record ModelSummary(String kind, List<Row> rows, long totalParams, long trainableParams, long prunableParams) {

  /** One layer: its parameters, prunable parameters and, for pruned weights, measured sparsity. */
  public record Row(String name, String type, String outputShape, long params, long prunableParams,
      String pruning, Map<String, Double> sparsity) {}

  /** The summary of {@code spec} with the measured sparsity of each pruned weight, by variable name. */
  public static ModelSummary of(ModelSpec spec, Map<String, Double> sparsityByVariable) {
    Map<Layer, Shape> outputShapes = new java.util.IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      if (!n.isInput() && !n.isFurtherOutput()) {
        outputShapes.putIfAbsent(n.layer(), n.shape());
      }
    }
    List<Row> rows = new ArrayList<>();
    long total = 0;
    long trainable = 0;
    long prunable = 0;
    for (Node in : spec.inputs()) {
      rows.add(new Row(spec.inputName(in), "InputLayer", Shapes.format(in.shape()), 0, 0, "", Map.of()));
    }
    for (Layer l : spec.layers()) {
      long params = 0;
      long prunableHere = 0;
      Map<String, Double> sparsity = new LinkedHashMap<>();
      for (WeightSpec w : spec.weights(l)) {
        params += w.shape().size();
        if (w.trainable()) {
          trainable += w.shape().size();
        }
        if (l.prunableWeights().contains(w.name())) {
          prunableHere += w.shape().size();
          Double s = sparsityByVariable.get(spec.variableName(l, w.name()));
          if (s != null) {
            sparsity.put(w.name(), s);
          }
        }
      }
      total += params;
      prunable += prunableHere;
      String pruning = l.pruning().map(p -> p.strategy() + " " + p.schedule()).orElse("");
      rows.add(new Row(spec.layerName(l), l.typeName(), Shapes.format(outputShapes.get(l)), params, prunableHere,
          pruning, sparsity));
    }
    return new ModelSummary(spec.kind(), List.copyOf(rows), total, trainable, prunable);
  }

  @Override
  public String toString() {
    String format = "%-32s %-22s %10s %10s  %s%n";
    StringBuilder b = new StringBuilder();
    b.append("Model: ").append(kind).append('\n');
    String header = String.format(Locale.ROOT, format, "Layer (type)", "Output Shape", "Param #", "Prunable", "Sparsity");
    String rule = "=".repeat(header.length() - 1) + "\n";
    b.append(rule).append(header).append(rule);
    for (Row r : rows) {
      StringBuilder sparsity = new StringBuilder();
      r.sparsity().forEach((w, s) -> sparsity.append(String.format(Locale.ROOT, "%s %.4f ", w, s)));
      if (sparsity.length() == 0 && !r.pruning().isEmpty()) {
        sparsity.append("pruned");
      }
      b.append(String.format(Locale.ROOT, format, r.name() + " (" + r.type() + ")", r.outputShape(),
          String.format(Locale.ROOT, "%,d", r.params()), String.format(Locale.ROOT, "%,d", r.prunableParams()),
          sparsity.toString().trim()));
    }
    b.append(rule);
    b.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParams));
    b.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainableParams));
    b.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", totalParams - trainableParams));
    b.append(String.format(Locale.ROOT, "Prunable params: %,d%n", prunableParams));
    return b.toString();
  }
}
