package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Layer;
import dev.topiary.sparse.exec.LayerOp;
import java.util.List;

/** Turns one layer call into a {@link LayerOp}; registered per layer class in {@link SparseLayers}. */
@FunctionalInterface
public interface LayerTranslator<L extends Layer> {
  /**
   * @param inputShapes the example shapes (batch excluded) of the call's inputs
   * @param outputShape the example shape of its (first) output
   * @throws IllegalArgumentException naming the layer if its settings are not supported
   */
  LayerOp translate(L layer, List<int[]> inputShapes, int[] outputShape, Weights weights);
}
