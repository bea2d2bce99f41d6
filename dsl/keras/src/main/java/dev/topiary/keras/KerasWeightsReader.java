package dev.topiary.keras;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.WeightSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads every layer's weights from a Keras 3 {@code model.weights.h5} or a legacy {@code .h5}. */
final class KerasWeightsReader {
  private KerasWeightsReader() {}

  /** Keras 3 layout: {@code <layer path>/<group>/vars/0..n-1}. */
  static Map<String, HostArray> keras3(H5File h5, KerasModelReader.Result model) {
    Map<String, HostArray> out = new LinkedHashMap<>();
    ModelSpec spec = model.spec();
    for (KerasModelReader.Placed p : model.layers()) {
      List<WeightSpec> weights = spec.weights(spec.layer(p.name()));
      int i = 0;
      for (LayerMapping.Group g : p.mapping().groups().of(weights.size())) {
        String group = p.kerasPath() + "/" + g.path();
        List<String> present = h5.children(group);
        if (present.size() != g.count() + g.skipped().size()) {
          throw new KerasFileException(h5.file(), p.name(), "expected " + (g.count() + g.skipped().size())
              + " weights in " + group + ", found "
              + present.size() + (present.isEmpty() ? "" : " " + present));
        }
        for (int v = 0; v < g.count(); v++, i++) {
          WeightSpec w = weights.get(i);
          out.put(spec.variableName(p.layer(), w.name()), h5.floats(group + "/" + v, p.name(), w.name(),
              w.shape().asArray()));
        }
      }
    }
    return out;
  }

  /** Legacy layout: {@code model_weights/<top-level layer>/} with its {@code weight_names} in order. */
  static Map<String, HostArray> legacy(H5File h5, String root, KerasModelReader.Result model) {
    Map<String, HostArray> out = new LinkedHashMap<>();
    ModelSpec spec = model.spec();
    Map<String, Integer> offsets = new LinkedHashMap<>();
    for (KerasModelReader.Placed p : model.layers()) {
      List<WeightSpec> weights = spec.weights(spec.layer(p.name()));
      if (weights.isEmpty()) {
        continue;
      }
      int skipped = p.mapping().groups().of(weights.size()).stream().mapToInt(g -> g.skipped().size()).sum();
      String group = root + "/" + p.legacyGroup();
      if (!h5.isGroup(group)) {
        throw new KerasFileException(h5.file(), p.name(), "the weights group " + group + " is missing");
      }
      List<String> names = h5.stringsAttribute(group, "weight_names");
      int offset = offsets.getOrDefault(p.legacyGroup(), 0);
      if (names.size() < offset + weights.size()) {
        throw new KerasFileException(h5.file(), p.name(), "expected " + weights.size() + " weights in " + group
            + " (from position " + offset + "), its weight_names lists " + names.size());
      }
      for (int i = 0; i < weights.size(); i++) {
        WeightSpec w = weights.get(i);
        out.put(spec.variableName(p.layer(), w.name()), h5.floats(group + "/" + names.get(offset + i), p.name(),
            w.name(), w.shape().asArray()));
      }
      offsets.put(p.legacyGroup(), offset + weights.size() + skipped);
    }
    for (Map.Entry<String, Integer> e : offsets.entrySet()) {
      int listed = h5.stringsAttribute(root + "/" + e.getKey(), "weight_names").size();
      if (listed != e.getValue()) {
        throw new KerasFileException(h5.file(), e.getKey(), "its weight_names lists " + listed + " weights, the layers"
            + " need " + e.getValue());
      }
    }
    return out;
  }
}
