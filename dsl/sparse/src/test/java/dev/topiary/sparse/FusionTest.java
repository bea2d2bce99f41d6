package dev.topiary.sparse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.activations.ReLU;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.sparse.TfModels.Zeros;
import dev.topiary.sparse.kernel.KernelPath;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Batch normalization and ReLU / ReLU6 folded into the convolution or Dense before them, in every place
 * MobileNetV2 and DS-CNN have them and in the places where they must not be folded, against TF.
 */
class FusionTest {
  /**
   * A MobileNetV2-shaped net: asymmetric zero padding, a strided stem conv -> BN -> ReLU(6), depthwise
   * -> BN -> ReLU6 (Activation layer), a 1x1 projection -> BN whose output two layers read (an inverted
   * residual's Add: BN folded, nothing after it), a separable conv -> BN -> ReLU, a depthwise conv with
   * bias -> BN -> ReLU layer clipped at 4 (not a clamp Topiary fuses: it runs on its own), a conv with its
   * own ReLU -> BN (after an activation: not folded), Dense -> BN on rank 4, global pooling, a classifier.
   * 11 channels and rows of 10 pixels: the depthwise rows run 4 pixels at a time plus single pixels, and
   * channels in whole vectors plus a tail, at 128 and 256 bits.
   */
  static ModelSpec mobileNetLike() {
    Node x = Input.of(13, 21, 4);
    Node p = ZeroPadding2D.of(0, 1, 0, 1).apply(x);
    Node stem = ReLU.of().maxValue(6).apply(BatchNormalization.of().apply(
        Conv2D.of(11, 3).strides(2).useBias(false).apply(p)));
    Node dw = ActivationLayer.of(Activation.RELU6).apply(BatchNormalization.of().apply(
        DepthwiseConv2D.of(3).padding(Padding.SAME).useBias(false).apply(stem)));
    Node project = BatchNormalization.of().epsilon(1e-3f).apply(Conv2D.of(6, 1).useBias(false).apply(dw));
    Node expand = BatchNormalization.of().apply(Conv2D.of(6, 1).apply(project));
    Node sum = Add.of().apply(project, expand);
    Node sep = ActivationLayer.of(Activation.RELU).apply(BatchNormalization.of().apply(
        SeparableConv2D.of(7, 3).padding(Padding.SAME).apply(sum)));
    Node clipped = ReLU.of().maxValue(4).apply(BatchNormalization.of().apply(DepthwiseConv2D.of(3).apply(sep)));
    Node afterRelu = BatchNormalization.of().apply(Conv2D.of(5, 1).activation(Activation.RELU).apply(clipped));
    Node dense = BatchNormalization.of().apply(Dense.of(6).apply(afterRelu));
    return Functional.of(x, Dense.of(3).apply(GlobalAveragePooling2D.of().apply(dense)));
  }

  /** Random weights as {@link TfModels#build}, batch normalization's statistics made valid and far from 0 / 1. */
  static Model build(ModelSpec spec, long seed) {
    Model m = TfModels.build(spec, Zeros.RANDOM, 0.5, seed);
    SplittableRandom r = new SplittableRandom(seed + 1);
    Map<String, HostArray> w = new LinkedHashMap<>(m.weights());
    for (Map.Entry<String, HostArray> e : w.entrySet()) {
      String name = e.getKey();
      if (name.endsWith("moving_variance") || name.endsWith("moving_mean") || name.endsWith("gamma")) {
        float[] v = e.getValue().floats();
        for (int i = 0; i < v.length; i++) {
          v[i] = name.endsWith("moving_mean") ? (float) r.nextDouble(-1, 1) : (float) r.nextDouble(0.3, 2);
        }
        e.setValue(HostArray.of(v, e.getValue().shape()));
      }
    }
    m.setWeights(w);
    return m;
  }

  @Test
  void foldedBatchNormalizationAndClampsMatchTfOnEveryPathBatchAndThreadCount() {
    ModelSpec spec = mobileNetLike();
    HostArray x = TfModels.randomInput(3, 5, 13, 21, 4);
    try (Model tf = build(spec, 21)) {
      HostArray expected = tf.predict(x);
      for (KernelPath path : new KernelPath[] {KernelPath.SCALAR, KernelPath.AUTO}) {
        for (int threads : new int[] {1, 2}) {
          try (SparseModel sparse = SparseModel.of(tf, SparseOptions.defaults().calibrate(false).kernels(path)
              .threads(threads))) {
            String what = path + ", " + threads + " thread(s)";
            SparseModelTest.assertClose(sparse.predict(x), expected, 1e-4f, what);
            SparseModelTest.assertClose(sparse.predict(List.of(x.slice(2, 3)), 1).get(0), expected.slice(2, 3), 1e-4f,
                what + ", batch 1");
          }
        }
      }
    }
  }

  /**
   * A chain for channel-major planes: it begins after the input (a 1x1 conv -> BN -> ReLU6 reads the
   * channels-last input), asymmetric zero padding and a depthwise conv stride 2 VALID on planes (MobileNetV2's
   * downsampling), a 1x1 projection -> BN read by two layers and a 1x1 conv with its own bias and ReLU, their
   * residual Add, depthwise convs stride 1 SAME with bias, stride 2 SAME (odd rows and columns), 5x5 stride 1
   * VALID, a 1x1 conv without bias; then the chain ends three ways: global average pooling reads the planes,
   * a 3x3 conv (channels-last only) reads them transposed, and the last depthwise output is a model output.
   * Beside it a stem: a 3x3 stride 2 SAME conv on the 4 input channels -> BN -> ReLU6 on planes, pooled.
   * Rows of 7-29 pixels (9 x 14 after the first stride, 5 x 7 after the second): full vectors and scalar tails
   * at every width.
   */
  static ModelSpec planeChain() {
    Node x = Input.of(19, 29, 4);
    Node expand = ReLU.of().maxValue(6).apply(BatchNormalization.of().apply(Conv2D.of(8, 1).useBias(false).apply(x)));
    Node down = ActivationLayer.of(Activation.RELU6).apply(BatchNormalization.of().apply(
        DepthwiseConv2D.of(3).strides(2).useBias(false).apply(ZeroPadding2D.of(0, 1, 0, 1).apply(expand))));
    Node project = BatchNormalization.of().apply(Conv2D.of(6, 1).useBias(false).apply(down));
    Node branch = Conv2D.of(6, 1).activation(Activation.RELU).apply(project);
    Node sum = Add.of().apply(project, branch);
    Node same = DepthwiseConv2D.of(3).padding(Padding.SAME).activation(Activation.RELU).apply(sum);
    Node odd = BatchNormalization.of().apply(DepthwiseConv2D.of(3).strides(2).padding(Padding.SAME).apply(same));
    Node wide = DepthwiseConv2D.of(5).useBias(false).apply(same);
    Node last = Conv2D.of(7, 1).useBias(false).apply(wide);
    Node pooled = GlobalAveragePooling2D.of().apply(last);
    Node transposed = GlobalAveragePooling2D.of().apply(Conv2D.of(3, 3).apply(last));
    Node stem = GlobalAveragePooling2D.of().apply(ReLU.of().maxValue(6).apply(BatchNormalization.of().apply(
        Conv2D.of(5, 3).strides(2).padding(Padding.SAME).useBias(false).apply(x))));
    Node logits = Dense.of(3).apply(dev.topiary.dsl.layers.merging.Concatenate.of().apply(pooled, transposed, stem));
    return Functional.of(List.of(x), List.of(logits, odd));
  }

  /** Zeros in the Conv2D kernels (not depthwise ones) as pruning leaves them, {@code sparsity} of each. */
  static void pruneConvolutions(Model tf, Zeros zeros, double sparsity, long seed) {
    Map<String, HostArray> w = new LinkedHashMap<>(tf.weights());
    SplittableRandom r = new SplittableRandom(seed);
    w.replaceAll((k, v) -> {
      if (!k.endsWith("_kernel") || k.contains("depthwise") || v.shape().length != 4) {
        return v;
      }
      float[] f = v.floats();
      int out = (int) v.shape()[3];
      TfModels.zero(f, f.length / out, out, zeros, sparsity, r);
      return HostArray.of(f, v.shape());
    });
    tf.setWeights(w);
  }

  @Test
  void channelMajorChainsMatchTfOnEveryPathBatchAndThreadCount() {
    ModelSpec spec = planeChain();
    HostArray x = TfModels.randomInput(4, 3, 19, 29, 4);
    for (TfModels.Zeros zeros : new TfModels.Zeros[] {Zeros.RANDOM, Zeros.TWO_FOUR}) {
      try (Model tf = build(spec, 31)) {
        pruneConvolutions(tf, zeros, 0.875, 9);
        List<HostArray> expected = tf.predict(List.of(x), 3);
        for (KernelPath path : new KernelPath[] {KernelPath.SCALAR, KernelPath.AUTO}) {
          for (int threads : new int[] {1, 2}) {
            SparseOptions o = SparseOptions.defaults().calibrate(false).kernels(path).threads(threads).channelMajorFrom(1);
            try (SparseModel planes = SparseModel.of(tf, o); SparseModel last = SparseModel.of(tf, o.channelMajor(false))) {
              // the chain really runs on planes in the one, not at all in the other
              assertThat(planes.channelMajorLayers()).hasSize(13);
              assertThat(last.channelMajorLayers()).isEmpty();
              for (SparseModel m : List.of(planes, last)) {
                String what = zeros + ", " + path + ", " + threads + " thread(s), planes on: " + (m == planes);
                for (int batch : new int[] {3, 2, 1}) {
                  List<HostArray> actual = m.predict(List.of(x.slice(0, batch)), batch);
                  for (int o2 = 0; o2 < 2; o2++) {
                    SparseModelTest.assertClose(actual.get(o2), expected.get(o2).slice(0, batch), 1e-4f,
                        what + ", batch " + batch + ", output " + o2);
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /**
   * Inverted residual blocks whose 1x1 expansion the depthwise convolution computes itself, band by band, on
   * planes large enough for several bands (bands of about 4096 output values): 5x5 stride 1 SAME (bands share
   * four expanded rows), stride 2 VALID after a folded asymmetric ZeroPadding2D, stride 2 SAME on odd rows;
   * expansions with batch normalization and ReLU6 folded, with their own ReLU, and one read twice (not fused);
   * then planes of 13 x 12, 7 x 6 and 4 x 3 pixels, rows narrower than a vector at 512, 256 and 128 bits (a
   * row's one run of vector lanes reaches into the next row's place), fused and not.
   */
  @Test
  void expansionsComputedInsideTheDepthwiseConvolutionMatchTf() {
    Node x = Input.of(100, 90, 4);
    Node e1 = ReLU.of().maxValue(6).apply(BatchNormalization.of().apply(Conv2D.of(8, 1).useBias(false).apply(x)));
    Node d1 = ActivationLayer.of(Activation.RELU6).apply(BatchNormalization.of().apply(
        DepthwiseConv2D.of(5).padding(Padding.SAME).useBias(false).apply(e1)));
    Node p1 = BatchNormalization.of().apply(Conv2D.of(6, 1).useBias(false).apply(d1));
    Node e2 = Conv2D.of(12, 1).activation(Activation.RELU6).apply(p1);
    Node d2 = ActivationLayer.of(Activation.RELU6).apply(BatchNormalization.of().apply(
        DepthwiseConv2D.of(3).strides(2).useBias(false).apply(ZeroPadding2D.of(0, 1, 0, 1).apply(e2))));
    Node e3 = Conv2D.of(8, 1).activation(Activation.RELU).apply(d2);
    Node d3 = DepthwiseConv2D.of(3).strides(2).padding(Padding.SAME).activation(Activation.RELU).apply(e3);
    Node twice = Conv2D.of(5, 1).activation(Activation.RELU).apply(d3);
    Node d4 = DepthwiseConv2D.of(3).padding(Padding.SAME).activation(Activation.RELU).apply(twice);
    Node pooled = GlobalAveragePooling2D.of().apply(Add.of().apply(Conv2D.of(5, 1).apply(d4), twice));
    List<Node> narrow = new ArrayList<>();
    // besides the classifier (whose pooled inputs average most of an error away), the planes themselves are
    // outputs: each fused depthwise convolution's, and each of the narrow chain's
    List<Node> outputs = new ArrayList<>(List.of(d1, d2, d3));
    Node n = twice;
    for (int stride : new int[] {2, 1, 2, 1, 2, 1}) { // 25 x 23 -> 13 x 12 -> 7 x 6 -> 4 x 3
      // no ReLU in this chain: with one per layer, 8 channels kept little of the input
      Node e = Conv2D.of(8, 1).apply(n);
      narrow.add(e);
      n = DepthwiseConv2D.of(3).strides(stride).padding(Padding.SAME).apply(e);
      outputs.add(n);
    }
    Node unfused = DepthwiseConv2D.of(3).padding(Padding.SAME).activation(Activation.RELU6).apply(n);
    Node tail = GlobalAveragePooling2D.of().apply(Conv2D.of(5, 1).activation(Activation.RELU).apply(unfused));
    outputs.add(unfused);
    outputs.add(0, Dense.of(3).apply(Add.of().apply(pooled, tail)));
    ModelSpec spec = Functional.of(List.of(x), outputs);
    HostArray in = TfModels.randomInput(6, 2, 100, 90, 4);
    try (Model tf = build(spec, 17)) {
      pruneConvolutions(tf, Zeros.RANDOM, 0.5, 3);
      List<HostArray> expected = tf.predict(List.of(in), 2);
      for (KernelPath path : new KernelPath[] {KernelPath.SCALAR, KernelPath.AUTO}) {
        for (int threads : new int[] {1, 2}) {
          SparseOptions o = SparseOptions.defaults().calibrate(false).kernels(path).threads(threads).channelMajorFrom(1);
          try (SparseModel sparse = SparseModel.of(tf, o)) {
            List<String> expanded = new ArrayList<>(List.of(
                spec.layerName(e1.layer().getClass() == ReLU.class ? e1.inputs().get(0).inputs().get(0).layer() : e1.layer()),
                spec.layerName(e2.layer()), spec.layerName(e3.layer())));
            narrow.forEach(e -> expanded.add(spec.layerName(e.layer())));
            assertThat(sparse.expandedInDepthwise()).containsExactlyElementsOf(expanded);
            List<HostArray> actual = sparse.predict(List.of(in), 2);
            List<HostArray> one = sparse.predict(List.of(in.slice(1, 2)), 1);
            for (int i = 0; i < outputs.size(); i++) {
              String what = path + ", " + threads + " thread(s), output " + i + " (" + spec.layerName(outputs.get(i).layer()) + ")";
              SparseModelTest.assertClose(actual.get(i), expected.get(i), 1e-4f, what);
              SparseModelTest.assertClose(one.get(i), expected.get(i).slice(1, 2), 1e-4f, what + ", batch 1");
            }
          }
        }
      }
    }
  }

  @Test
  void channelMajorPixelsMustNotBeNegative() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SparseOptions.defaults().channelMajorFrom(-3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-3");
    assertThat(SparseOptions.defaults().channelMajor(false).channelMajorPixels()).isZero();
  }

  @Test
  void foldingLeavesTheStoredWeightsAsGiven() {
    ModelSpec spec = mobileNetLike();
    try (Model tf = build(spec, 5); SparseModel sparse = SparseModel.of(tf, SparseOptions.defaults().calibrate(false))) {
      // the scale of a folded batch normalization multiplies the product's output, not the stored kernels
      assertThat(sparse.weights()).isEqualTo(tf.weights());
    }
  }

  @Test
  void aBatchNormalizationWithInvalidStatisticsIsNotFoldedAndGivesTfsNaN() {
    Node x = Input.of(4, 4, 2);
    ModelSpec spec = Functional.of(x, BatchNormalization.of().apply(Conv2D.of(3, 1).useBias(false).apply(x)));
    try (Model tf = TfModels.build(spec, Zeros.RANDOM, 0, 2)) {
      Map<String, HostArray> w = new LinkedHashMap<>(tf.weights());
      String variance = w.keySet().stream().filter(k -> k.endsWith("moving_variance")).findFirst().orElseThrow();
      w.put(variance, HostArray.of(new float[] {1f, -5f, 1f}, 3)); // channel 1: sqrt of a negative number
      tf.setWeights(w);
      HostArray in = TfModels.randomInput(1, 2, 4, 4, 2);
      float[] expected = tf.predict(in).floats();
      try (SparseModel sparse = SparseModel.of(tf, SparseOptions.defaults().calibrate(false))) {
        float[] actual = sparse.predict(in).floats();
        for (int i = 0; i < expected.length; i++) {
          if (i % 3 == 1) {
            assertThat(actual[i]).as("channel 1 at %d", i).isNaN();
            assertThat(expected[i]).isNaN();
          } else {
            assertThat(actual[i]).as("at %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
          }
        }
      }
    }
  }
}
