package dev.topiary.ops.mask;

import static dev.topiary.ops.TestTensors.oneTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.ops.TestTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.tensorflow.EagerSession;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;

class MaskStrategyTest {
  private static final MaskStrategy MAGNITUDE = MaskStrategy.magnitude();

  @Test
  void halfOfOneToHundredKeepsTheTopFifty() {
    HostMask m = MaskRunner.all(MAGNITUDE, oneTo(100), new long[] {100}, 0.5f);
    assertThat(m.keptCount()).isEqualTo(50);
    assertThat(m.threshold()).isEqualTo(51f);
    assertThat(m.mask()[50]).isEqualTo(1f);
    assertThat(m.mask()[49]).isEqualTo(0f);
  }

  @Test
  void atLeastOneWeightSurvives() {
    HostMask m = MaskRunner.all(MAGNITUDE, oneTo(100), new long[] {10, 10}, 0.9999f);
    assertThat(m.keptCount()).isEqualTo(1);
    assertThat(m.threshold()).isEqualTo(100f);
  }

  @Test
  void oneToTenAtTwentyPercentCutsAtThree() {
    HostMask m = MaskRunner.all(MAGNITUDE, oneTo(10), new long[] {10}, 0.2f);
    assertThat(m.threshold()).isEqualTo(3f);
    assertThat(m.mask()).containsExactly(0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  }

  @Test
  void keepCountRoundsHalfToEvenInFloat32() {
    // 10 * 0.25 = 7.5 kept -> 8; 10 * 0.75 = 2.5 -> 2; 10 * (1 - 0.85f) = 1.4999998 -> 1.
    assertThat(MaskRunner.all(MAGNITUDE, oneTo(10), new long[] {10}, 0.25f).keptCount()).isEqualTo(8);
    assertThat(MaskRunner.all(MAGNITUDE, oneTo(10), new long[] {10}, 0.75f).keptCount()).isEqualTo(2);
    assertThat(MaskRunner.all(MAGNITUDE, oneTo(10), new long[] {10}, 0.85f).keptCount()).isEqualTo(1);
    assertThat(MagnitudeRules.keepCount(10, 0.85f)).isEqualTo(1);
  }

  @Test
  void tiesWithTheThresholdAreAllKeptAndSignsIgnored() {
    float[] w = {-1, 2, -2, 2, 3, 0};
    HostMask m = MaskRunner.all(MAGNITUDE, w, new long[] {2, 3}, 0.6f); // k = round(2.4) = 2
    assertThat(m.threshold()).isEqualTo(2f);
    assertThat(m.mask()).containsExactly(0, 1, 1, 1, 1, 0);
    assertThat(m.sparsity()).isCloseTo(2.0 / 6, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void zeroSparsityKeepsEverythingEvenZeros() {
    HostMask m = MaskRunner.all(MAGNITUDE, new float[] {0, -0f, 5, 0}, new long[] {4}, 0f);
    assertThat(m.keptCount()).isEqualTo(4);
    assertThat(m.threshold()).isEqualTo(0f);
  }

  @Test
  void twoFourOnADenseKernelGroupsAlongInputsPerOutput() {
    // [in=4, out=2]; output 0 has magnitudes 1,4,3,2 -> keeps inputs 1,2; output 1 has 8,5,6,7 -> keeps 0,3.
    float[] w = {1, -8, 4, 5, -3, 6, 2, 7};
    HostMask m = MaskRunner.all(MaskStrategy.mByN(2, 4), w, new long[] {4, 2}, 0.3f);
    assertThat(m.mask()).containsExactly(0, 1, 1, 0, 1, 0, 0, 1);
    assertThat(m.threshold()).isEqualTo(0f);
  }

  @Test
  void oneTwoAndThreeFourSparsities() {
    float[] w = oneTo(8);
    assertThat(MaskRunner.all(MaskStrategy.mByN(1, 2), w, new long[] {8, 1}, 0f).mask())
        .containsExactly(0, 1, 0, 1, 0, 1, 0, 1);
    assertThat(MaskRunner.all(MaskStrategy.mByN(3, 4), w, new long[] {8, 1}, 0f).mask())
        .containsExactly(0, 0, 0, 1, 0, 0, 0, 1);
    assertThat(MaskRunner.all(MaskStrategy.mByN(1, 4), w, new long[] {8, 1}, 0f).sparsity()).isEqualTo(0.25);
  }

  @Test
  void mByNTiesGoToTheLowerIndex() {
    assertThat(MaskRunner.all(MaskStrategy.mByN(2, 4), new float[] {5, 5, 5, 5}, new long[] {4, 1}, 0f).mask())
        .containsExactly(1, 1, 0, 0);
  }

  @Test
  void mByNPadsInputChannelsToWholeGroups() {
    // 7 input channels at 2:4: groups {0..3} and {4,5,6,pad}; the second keeps 2 of its 3 real weights.
    HostMask seven = MaskRunner.all(MaskStrategy.mByN(2, 4), oneTo(7), new long[] {7, 1}, 0f);
    assertThat(seven.mask()).containsExactly(0, 0, 1, 1, 0, 1, 1);
    assertThat(7 - seven.keptCount()).isEqualTo(3);
    // A single input channel cannot be pruned.
    assertThat(MaskRunner.all(MaskStrategy.mByN(2, 4), new float[] {1, 2, 3}, new long[] {1, 3}, 0f).keptCount())
        .isEqualTo(3);
  }

  @Test
  void mByNOnAConvKernelGroupsAlongInputChannelsForEachPositionAndOutput() {
    long[] shape = {3, 3, 8, 2}; // kh, kw, in, out
    float[] w = randomWeights(new Random(7), 3 * 3 * 8 * 2);
    HostMask m = MaskRunner.all(MaskStrategy.mByN(2, 4), w, shape, 0f);
    assertThat(m.sparsity()).isEqualTo(0.5);
    // Every group of 4 consecutive input channels at a fixed (kh, kw, out) keeps exactly its 2 largest.
    float[] mask = m.mask();
    for (int pos = 0; pos < 9; pos++) {
      for (int out = 0; out < 2; out++) {
        for (int g = 0; g < 2; g++) {
          int kept = 0;
          float smallestKept = Float.MAX_VALUE;
          float largestPruned = 0;
          for (int c = g * 4; c < g * 4 + 4; c++) {
            int i = (pos * 8 + c) * 2 + out;
            if (mask[i] == 1f) {
              kept++;
              smallestKept = Math.min(smallestKept, Math.abs(w[i]));
            } else {
              largestPruned = Math.max(largestPruned, Math.abs(w[i]));
            }
          }
          assertThat(kept).isEqualTo(2);
          assertThat(smallestKept).isGreaterThanOrEqualTo(largestPruned);
        }
      }
    }
    // 5 input channels on a conv kernel: groups of 4 + 1 (padded), 2 + 0 pruned per (position, output).
    HostMask five = MaskRunner.all(MaskStrategy.mByN(2, 4), randomWeights(new Random(8), 2 * 2 * 5 * 3), new long[] {2, 2, 5, 3}, 0f);
    assertThat(five.mask().length - five.keptCount()).isEqualTo(2 * 2 * 3 * 2);
  }

  @Test
  void blockAvgAndMaxDecideWholeBlocks() {
    float[][] w = {
      {1, 1, 9, 0},
      {1, 1, 0, 0},
      {2, 2, 0, 5},
      {2, 2, 0, 0},
    };
    float[] flat = flatten(w);
    long[] shape = {4, 4};
    // AVG block means: [1, 2.25; 2, 1.25] -> keep 2 of 4 blocks: means 2.25 and 2.
    HostMask avg = MaskRunner.all(MaskStrategy.block(2, 2, BlockPooling.AVG), flat, shape, 0.5f);
    assertThat(avg.threshold()).isEqualTo(2f);
    assertThat(avg.mask()).containsExactly(flatten(new float[][] {
      {0, 0, 1, 1}, {0, 0, 1, 1}, {1, 1, 0, 0}, {1, 1, 0, 0}}));
    // MAX block maxima: [1, 9; 2, 5] -> keep 9 and 5.
    HostMask max = MaskRunner.all(MaskStrategy.block(2, 2, BlockPooling.MAX), flat, shape, 0.5f);
    assertThat(max.threshold()).isEqualTo(5f);
    assertThat(max.mask()).containsExactly(flatten(new float[][] {
      {0, 0, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}}));
  }

  @Test
  void partialBlocksAreAlignedAtTheStartAndAveragedOverRealElements() {
    // 3x3 with 2x2 blocks: blocks are rows {0,1},{2} x cols {0,1},{2}. The corner block holds one
    // real element (8): its average is 8, not 8/4.
    float[] w = flatten(new float[][] {{1, 1, 0}, {1, 1, 0}, {0, 0, 8}});
    HostMask m = MaskRunner.all(MaskStrategy.block(2, 2, BlockPooling.AVG), w, new long[] {3, 3}, 0.75f);
    assertThat(m.threshold()).isEqualTo(8f);
    assertThat(m.mask()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 1);
    // 1x4 blocks on a 2x6 kernel: blocks cover columns 0-3 and 4-5.
    float[] w2 = flatten(new float[][] {{1, 1, 1, 1, 3, 3}, {4, 4, 4, 4, 0, 1}});
    HostMask m2 = MaskRunner.all(MaskStrategy.block(1, 4, BlockPooling.AVG), w2, new long[] {2, 6}, 0.5f);
    assertThat(m2.mask()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0);
  }

  @Test
  void twoByTwoAvgBlocksPoolInTheReferencesOrderBitForBit() {
    // Expected values from Python TensorFlow 2.21 (tensorflow-cpu, Linux x86-64), running TFMOT's
    // factorized_pool (tf.nn.pool AVG over [1, 2] windows, SAME, first along rows then along columns)
    // on |w| and TFMOT's _update_mask (top_k of the pooled values) at each sparsity.
    float[] w = {
      0.4509718716144562f, -0.6512359380722046f, 0.283261775970459f, -0.9235769510269165f,
      0.4973195791244507f, -0.6782132983207703f, 0.8955183029174805f, -0.12036915123462677f,
      0.2687460780143738f, 2.960888147354126f, 0.8042331337928772f, 0.2678004205226898f,
      0.04438856244087219f, -1.0391621589660645f, 1.0842211246490479f, 1.6023391485214233f};
    long[] shape = {4, 4};
    MaskStrategy avg = MaskStrategy.block(2, 2, BlockPooling.AVG);
    // Pooled means 0.5694351196289062, 0.555681586265564, 1.0782963037490845, 0.939648449420929; summing
    // all four and dividing by 4 would give a different last bit for every one of them.
    int[] thresholdBits = {0x3f0e4126, 0x3f11c680, 0x3f708ccd, 0x3f8a059d};
    float[] sparsities = {0f, 0.25f, 0.5f, 0.75f};
    float[][] blockMasks = {{1, 1, 1, 1}, {1, 0, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 0}};
    for (int i = 0; i < sparsities.length; i++) {
      HostMask m = MaskRunner.all(avg, w, shape, sparsities[i]);
      assertThat(Float.floatToRawIntBits(m.threshold())).as("threshold at %s", sparsities[i])
          .isEqualTo(thresholdBits[i]);
      float[] b = blockMasks[i];
      assertThat(m.mask()).containsExactly(flatten(new float[][] {
        {b[0], b[0], b[1], b[1]}, {b[0], b[0], b[1], b[1]}, {b[2], b[2], b[3], b[3]}, {b[2], b[2], b[3], b[3]}}));
    }
    // The same order written out in float32 for the first block: columns first, then across.
    float left = (Math.abs(w[0]) + Math.abs(w[4])) / 2f;
    float right = (Math.abs(w[1]) + Math.abs(w[5])) / 2f;
    assertThat(Float.floatToRawIntBits((left + right) / 2f)).isEqualTo(0x3f11c680);
  }

  @Test
  void avgBlocksOfAnySizeAgreeInJavaEagerAndGraphOnGaussianWeights() {
    // Gaussian magnitudes make every rounding count: the ops add in the same order as the Java loops.
    // (The same two-pass order matched Python TF's factorized_pool on 3x3, 2x3, 4x4, 5x3 and 7x6 blocks.)
    Random random = new Random(17);
    int[][] blocks = {{3, 3}, {2, 3}, {4, 4}, {5, 3}, {7, 6}, {1, 8}, {8, 1}};
    for (int[] b : blocks) {
      for (long[] shape : new long[][] {{14, 12}, {17, 13}}) {
        float[] w = randomWeights(random, (int) (shape[0] * shape[1]));
        for (float s : new float[] {0.3f, 0.6f}) {
          MaskRunner.all(MaskStrategy.block(b[0], b[1], BlockPooling.AVG), w, shape, s);
        }
      }
    }
  }

  @Test
  void blocksLargerThanTheWeightsAreRejected() {
    // One 8x8 block over a 4x4 kernel could never be pruned (at least one block is always kept).
    assertThatThrownBy(() -> MaskStrategy.block(8, 8, BlockPooling.AVG).validate(Shape.of(4, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("block sparsity block(8x8, AVG): the 8x8 block is larger than the weights of shape [4, 4];"
            + " use a block that fits in the weights");
    assertThatThrownBy(() -> MaskStrategy.block(1, 5, BlockPooling.MAX).host(new float[8], new long[] {2, 4}, 0.5f))
        .hasMessageContaining("1x5 block is larger than the weights of shape [2, 4]");
    MaskStrategy.block(4, 4, BlockPooling.MAX).validate(Shape.of(4, 4));
  }

  @Test
  void oneByOneBlocksAreUnstructuredMagnitude() {
    assertThat(MaskStrategy.block(1, 1, BlockPooling.MAX)).isSameAs(MaskStrategy.magnitude());
  }

  @Test
  void randomTensorsGiveTheSameMaskInJavaEagerAndGraph() {
    Random random = new Random(42);
    long[][] shapes = {{37}, {16, 9}, {3, 3, 5, 7}, {64, 33}, {2, 3, 4}};
    for (long[] shape : shapes) {
      int size = 1;
      for (long d : shape) {
        size *= (int) d;
      }
      // Multiples of 1/64 in a small range: block sums are exact in any order, and ties happen.
      float[] w = new float[size];
      for (int i = 0; i < size; i++) {
        w[i] = (random.nextInt(513) - 256) / 64f;
      }
      for (float s : new float[] {0f, 0.1f, 0.5f, 0.8f, 0.95f, 0.9999f}) {
        MaskRunner.all(MAGNITUDE, w, shape, s);
        if (shape.length == 2) {
          MaskRunner.all(MaskStrategy.block(2, 3, BlockPooling.AVG), w, shape, s);
          MaskRunner.all(MaskStrategy.block(4, 1, BlockPooling.MAX), w, shape, s);
        }
      }
      if (shape.length == 2 || shape.length == 4) {
        MaskRunner.all(MaskStrategy.mByN(2, 4), w, shape, 0f);
        MaskRunner.all(MaskStrategy.mByN(1, 3), w, shape, 0f);
      }
    }
  }

  @Test
  void tensorsSelectedTogetherGetEachTheirOwnMaskInGraphAndEager() {
    Random random = new Random(7);
    // Chunks of at most 3 tensors in the graph (the last one of 3, not 1), all 12 in one chunk eagerly;
    // a scalar, a single value and all-tied or zero tensors among them.
    long[][] shapes = {{37}, {5, 6}, {}, {1}, {3, 3, 2, 4}, {150}, {20, 4}, {7}, {2, 2}, {64, 33}, {9, 9}, {40}};
    List<float[]> weights = new ArrayList<>();
    for (int j = 0; j < shapes.length; j++) {
      int size = (int) Shape.of(shapes[j]).size();
      float[] w = new float[size];
      for (int i = 0; i < size; i++) {
        w[i] = switch (j % 4) {
          case 0 -> (random.nextInt(33) - 16) / 8f; // many ties, zeros and both signs
          case 1 -> (float) random.nextGaussian();
          case 2 -> 0.25f; // all tied
          default -> i % 3 == 0 ? -0f : (float) random.nextGaussian() * 1e-40f; // zeros and subnormals
        };
      }
      weights.add(w);
    }
    for (float sparsity : new float[] {0f, 0.3f, 0.5f, 0.9999f}) {
      List<HostMask> expected = new ArrayList<>();
      for (int j = 0; j < shapes.length; j++) {
        expected.add(MAGNITUDE.host(weights.get(j), shapes[j], sparsity));
      }
      try (Graph g = new Graph(); Session session = new Session(g)) {
        Ops tf = Ops.create(g);
        List<MaskResult> results = MagnitudeRules.ops(tf, magnitudes(tf, weights, shapes), tf.constant(sparsity), 3);
        for (int j = 0; j < shapes.length; j++) {
          try (Result out = session.runner().fetch(results.get(j).mask()).fetch(results.get(j).threshold()).run()) {
            assertThat(new HostMask(TestTensors.floats(out.get(0)), shapes[j], TestTensors.floats(out.get(1))[0]))
                .as("graph, tensor %d %s at %s", j, Arrays.toString(shapes[j]), sparsity).isEqualTo(expected.get(j));
          }
        }
      }
      try (EagerSession session = EagerSession.create()) {
        Ops tf = Ops.create(session);
        List<MaskResult> results = MAGNITUDE.ops(tf, constants(tf, weights, shapes), tf.constant(sparsity));
        for (int j = 0; j < shapes.length; j++) {
          assertThat(results.get(j).mask().shape()).isEqualTo(Shape.of(shapes[j]));
          assertThat(new HostMask(TestTensors.floats(results.get(j).mask()), shapes[j],
                  TestTensors.floats(results.get(j).threshold())[0]))
              .as("eager, tensor %d at %s", j, sparsity).isEqualTo(expected.get(j));
        }
      }
    }
  }

  private static List<Operand<TFloat32>> magnitudes(Ops tf, List<float[]> weights, long[][] shapes) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (Operand<TFloat32> c : constants(tf, weights, shapes)) {
      out.add(tf.math.abs(c));
    }
    return out;
  }

  private static List<Operand<TFloat32>> constants(Ops tf, List<float[]> weights, long[][] shapes) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int j = 0; j < shapes.length; j++) {
      out.add(MaskRunner.constant(tf, weights.get(j), shapes[j]));
    }
    return out;
  }


  @Test
  void gaussianWeightsKeepExactlyKInJavaEagerAndGraph() {
    float[] w = randomWeights(new Random(3), 100_000);
    HostMask m = MaskRunner.all(MAGNITUDE, w, new long[] {250, 400}, 0.8f);
    assertThat(m.keptCount()).isEqualTo(20_000);
  }

  @Test
  void hostAcceptsNdArrays() {
    HostMask m = MAGNITUDE.host(StdArrays.ndCopyOf(new float[][] {{1, 2}, {3, 4}}), 0.5f);
    assertThat(m.shape()).containsExactly(2, 2);
    assertThat(m.mask()).containsExactly(0, 0, 1, 1);
    assertThat(m.apply(new float[] {1, 2, 3, 4})).containsExactly(0, 0, 3, 4);
    assertThat(NdArrays.ofFloats(Shape.of(0)).size()).isZero();
  }

  @Test
  void invalidCombinationsFailWithClearMessages() {
    assertThatThrownBy(() -> MaskStrategy.block(2, 2, BlockPooling.AVG).validate(Shape.of(3, 3, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("block sparsity block(2x2, AVG) needs rank-2 weights of known shape, got shape [3, 3, 3]");
    assertThatThrownBy(() -> MaskStrategy.block(0, 2, BlockPooling.AVG))
        .hasMessage("block size must be at least 1x1, got 0x2");
    assertThatThrownBy(() -> MaskStrategy.mByN(4, 4))
        .hasMessage("m-by-n sparsity needs 1 <= m < n (m zeros in every n weights), got m=4, n=4");
    assertThatThrownBy(() -> MaskStrategy.mByN(5, 4)).hasMessageContaining("got m=5, n=4");
    assertThatThrownBy(() -> MaskStrategy.mByN(0, 4)).hasMessageContaining("got m=0, n=4");
    assertThatThrownBy(() -> MaskStrategy.mByN(2, 4).validate(Shape.of(3, 3, 4)))
        .hasMessage("m-by-n sparsity mByN(2, 4) needs rank-2 [in, out] or rank-4 [kh, kw, in, out] weights of"
            + " known shape, got shape [3, 3, 4]");
    assertThatThrownBy(() -> MaskStrategy.mByN(2, 4).host(oneTo(8), new long[] {8}, 0f))
        .hasMessageContaining("got shape [8]");
    assertThatThrownBy(() -> BlockPooling.parse("median"))
        .hasMessage("unknown block pooling type 'median', expected one of [avg, max]");
    assertThat(BlockPooling.parse("avg")).isEqualTo(BlockPooling.AVG);
    assertThatThrownBy(() -> MAGNITUDE.host(oneTo(5), new long[] {2, 3}, 0.5f))
        .hasMessage("shape [2, 3] holds 6 values but 5 were given");
    assertThatThrownBy(() -> MAGNITUDE.host(oneTo(5), new long[] {5}, 1f))
        .hasMessage("sparsity must be in [0, 1), got 1.0");
  }

  static float[] randomWeights(Random random, int n) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) random.nextGaussian();
    }
    return w;
  }

  static float[] flatten(float[][] rows) {
    int cols = rows[0].length;
    float[] out = new float[rows.length * cols];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, out, r * cols, cols);
    }
    return out;
  }
}
