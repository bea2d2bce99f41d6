package dev.topiary.sparse;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.activations.ReLU;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.sparse.layers.SparseLayers;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which layers run inside the one before them: a BatchNormalization right after a convolution or Dense
 * with a linear activation is folded into it (at inference it is {@code z * scale + shift} per channel,
 * {@code scale = gamma / sqrt(variance + epsilon)}, {@code shift = beta - mean * scale}, as its lowering
 * and TF's fused kernel compute it), and a ReLU or ReLU6 after either (an {@code Activation} layer or a
 * plain {@code ReLU} layer) becomes a clamp in the same pass. MobileNetV2 and DS-CNN are made of
 * conv -> BN -> ReLU(6) triples; run one by one, the two cheap layers each read and wrote the whole
 * activation again (DS-CNN: 190 of 1,650 us; MobileNetV2: 29 ms). A layer is folded only when its
 * producer is its only input and it is the producer's only consumer and not a model output, so no other
 * layer sees a value that no longer exists. The kernels keep their weights as given (the scale is
 * applied to the product's output, not to the stored kernel), so {@link SparseModel#weights} and the
 * formats' choice are those of the unfolded model.
 */
final class Fusion {
  /** What follows a producer: a folded batch normalization (scale, shift; null if none) and a clamp. */
  record Tail(float @Nullable [] scale, float @Nullable [] shift, Activation activation) {}

  /** The producers with their tails, and the nodes folded into them (each runs as an identity). */
  record Plan(Map<Node, Tail> tails, Set<Node> folded) {}

  private Fusion() {}

  static Plan plan(ModelSpec spec, Map<String, HostArray> weights) {
    Map<Node, Integer> consumers = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      for (Node in : n.inputs()) {
        consumers.merge(in, 1, Integer::sum);
      }
    }
    for (Node o : spec.outputs()) {
      consumers.merge(o, 2, Integer::sum); // a model output is never folded into or folded away
    }
    Map<Node, Node> next = new IdentityHashMap<>();
    for (Node n : spec.nodes()) {
      if (n.inputs().size() == 1 && !n.isFurtherOutput() && !n.isInput()) {
        Node in = n.inputs().get(0);
        if (consumers.getOrDefault(in, 0) == 1) {
          next.put(in, n);
        }
      }
    }
    Map<Node, Tail> tails = new IdentityHashMap<>();
    Set<Node> folded = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Node n : spec.nodes()) {
      if (n.isInput() || n.isFurtherOutput() || folded.contains(n) || !SparseLayers.fusable(n.layer())) {
        continue;
      }
      float[] scale = null;
      float[] shift = null;
      Node last = n;
      Node c = next.get(n);
      if (c != null && c.layer().getClass() == BatchNormalization.class) {
        float[][] affine = affine(spec, (BatchNormalization) c.layer(), weights);
        if (affine != null) {
          scale = affine[0];
          shift = affine[1];
          folded.add(c);
          last = c;
          c = next.get(c);
        }
      }
      Activation clamp = c == null ? null : clamp(c.layer());
      if (clamp != null) {
        folded.add(c);
        last = c;
      }
      if (last != n) {
        tails.put(n, new Tail(scale, shift, clamp == null ? Activation.LINEAR : clamp));
      }
    }
    return new Plan(tails, folded);
  }

  /** RELU or RELU6 if {@code layer} is exactly such an activation, else null. */
  private static @Nullable Activation clamp(Layer layer) {
    if (layer.getClass() == ActivationLayer.class) {
      Activation a = ((ActivationLayer) layer).activation();
      return a == Activation.RELU || a == Activation.RELU6 ? a : null;
    }
    if (layer.getClass() == ReLU.class) {
      ReLU r = (ReLU) layer;
      if (r.negativeSlope() == 0 && r.threshold() == 0) {
        Double max = r.maxValue();
        return max == null ? Activation.RELU : max == 6.0 ? Activation.RELU6 : null;
      }
    }
    return null;
  }

  /**
   * {scale, shift} of {@code bn} at inference, as the layer defines them ({@link BatchNormalization#inference});
   * null if a value is not finite (then the layer runs on its own, as the unfolded model would).
   */
  private static float @Nullable [][] affine(ModelSpec spec, BatchNormalization bn, Map<String, HostArray> weights) {
    BatchNormalization.Inference f = bn.inference(w -> weights.get(spec.variableName(bn, w)).floats());
    float[] scale = f.scale();
    float[] shift = f.shift();
    for (int c = 0; c < scale.length; c++) {
      if (!Float.isFinite(scale[c]) || !Float.isFinite(shift[c])) {
        return null;
      }
    }
    return new float[][] {scale, shift};
  }
}
