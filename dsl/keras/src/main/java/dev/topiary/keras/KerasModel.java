package dev.topiary.keras;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.runtime.RuntimeModel;
import dev.topiary.dsl.training.Compile;
import java.util.Map;

/**
 * A Keras model read into Topiary: its architecture as a {@link ModelSpec} (layers named as in
 * Keras) and its weights by Topiary variable name ({@code <layer>_<weight>}), BatchNormalization's
 * moving statistics included. Optimizer state is not read: fine-tuning starts a fresh optimizer.
 *
 * @param spec the architecture; prune it like any spec ({@code spec.prunedWith(...)})
 * @param weights every weight of {@code spec}, by variable name
 * @param kerasVersion the Keras version that wrote the file
 * @param format {@code "keras"} (Keras 3 zip) or {@code "h5"} (legacy HDF5)
 */
public record KerasModel(ModelSpec spec, Map<String, HostArray> weights, String kerasVersion, String format) {
  public KerasModel {
    weights = Map.copyOf(weights);
  }

  /** Builds {@code spec} with {@code compile} and loads the Keras weights into it. */
  public Model compile(Compile compile) {
    return compile(spec, compile);
  }

  /**
   * Builds another spec of the same layers (e.g. {@code spec().prunedWith(...)}) and loads the Keras
   * weights into it; pruning state starts fresh (all masks one).
   */
  public Model compile(ModelSpec prunedSpec, Compile compile) {
    // Built holding the file's weights from the start: no random initial values generated and loaded
    // only to be overwritten (for InceptionResNetV2, 55M values and a session run over its whole graph).
    return RuntimeModel.graph(prunedSpec, compile, weights);
  }
}
