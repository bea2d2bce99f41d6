package dev.topiary.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.sparse.TfModels.Zeros;
import dev.topiary.sparse.exec.Buffers;
import dev.topiary.sparse.kernel.KernelPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The arrays of intermediate values are reused within a run and from run to run: a run's outputs must not
 * depend on the runs before it, and an array still read (by a later layer, a layer that passed it on, or as
 * a model output) must never be handed out again.
 */
class BuffersTest {
  @Test
  void aReleasedArrayIsReusedForTheSameLengthOnlyAndOnlyOnce() {
    Buffers pool = new Buffers(1000);
    Buffers.Run run = pool.run();
    float[] a = run.floats(10);
    run.release(a);
    run.release(a); // a second release must not put it in the pool twice
    assertThat(pool.retained()).isEqualTo(10);
    assertThat(run.floats(11)).isNotSameAs(a).hasSize(11);
    float[] again = run.floats(10);
    assertThat(again).isSameAs(a);
    assertThat(run.floats(10)).isNotSameAs(a);
    assertThat(pool.retained()).isZero();
    run.release(again);
    pool.clear();
    assertThat(pool.retained()).isZero();
    assertThat(run.floats(10)).isNotSameAs(again);
  }

  @Test
  void arraysARunDidNotTakeAreNeverPooled() {
    Buffers pool = new Buffers(1000);
    Buffers.Run one = pool.run();
    Buffers.Run other = pool.run();
    float[] input = new float[10];
    one.release(input); // a caller's input, a weight, an array passed through: not the run's to give
    float[] taken = other.floats(10);
    one.release(taken); // another run's
    assertThat(pool.retained()).isZero();
    other.release(taken);
    assertThat(pool.retained()).isEqualTo(10);
  }

  @Test
  void thePoolKeepsAtMostItsLimitDroppingTheLeastRecentlyUsedSizes() {
    Buffers pool = new Buffers(100);
    Buffers.Run run = pool.run();
    float[] old = run.floats(40);
    float[] recent = run.floats(30);
    float[] next = run.floats(50);
    run.release(old);
    run.release(recent);
    assertThat(pool.retained()).isEqualTo(70);
    run.release(next); // 120 > 100: the size used least recently (40) goes
    assertThat(pool.retained()).isEqualTo(80);
    assertThat(run.floats(40)).isNotSameAs(old);
    assertThat(run.floats(30)).isSameAs(recent);
    assertThat(run.floats(50)).isSameAs(next);
    float[] huge = run.floats(101);
    run.release(huge); // larger than the limit: never kept
    assertThat(pool.retained()).isZero();
    Buffers none = new Buffers(0);
    Buffers.Run r = none.run();
    float[] a = r.floats(3);
    r.release(a);
    assertThat(none.retained()).isZero();
    assertThatThrownBy(() -> new Buffers(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }

  /**
   * Each run's outputs equal those of a model that never ran before, bit for bit, and earlier outputs stay;
   * the warm model's arrays are handed out full of NaN, so that a layer reading an element it did not write
   * (one it expected to be zero) shows.
   */
  @Test
  void aRunsOutputsDoNotDependOnTheRunsBeforeIt() {
    for (ModelSpec spec : List.of(FusionTest.planeChain(), FusionTest.mobileNetLike(), channelsLastConvolutions())) {
      long[] shape = spec.inputs().get(0).shape().asArray();
      long[] example = java.util.Arrays.copyOfRange(shape, 1, shape.length);
      List<HostArray> inputs = List.of(TfModels.randomInput(1, 3, example), TfModels.randomInput(2, 3, example),
          TfModels.randomInput(3, 1, example), TfModels.randomInput(1, 3, example));
      try (Model tf = FusionTest.build(spec, 41)) {
        for (KernelPath path : new KernelPath[] {KernelPath.SCALAR, KernelPath.AUTO}) {
          SparseOptions o = SparseOptions.defaults().calibrate(false).kernels(path).channelMajorFrom(1);
          try (SparseModel warm = poisoned(() -> SparseModel.of(tf, o))) {
            List<List<HostArray>> first = new ArrayList<>();
            for (HostArray x : inputs) {
              List<HostArray> out = warm.predict(List.of(x), 3);
              first.add(out.stream().map(h -> HostArray.of(h.floats(), h.shape())).toList());
              try (SparseModel fresh = SparseModel.of(tf, o)) {
                List<HostArray> expected = fresh.predict(List.of(x), 3);
                for (int k = 0; k < expected.size(); k++) {
                  assertThat(out.get(k).floats()).as("%s, %s, output %d", spec, path, k)
                      .containsExactly(expected.get(k).floats());
                }
              }
            }
            // the same input again gives the same numbers
            assertThat(warm.predict(List.of(inputs.get(0)), 3).get(0).floats())
                .containsExactly(first.get(0).get(0).floats());
          }
        }
      }
    }
  }

  /**
   * {@code predict} is thread-safe: concurrent calls share the model's pool, each run taking and giving back
   * its own arrays; every call's outputs equal the sequential ones bit for bit.
   */
  @Test
  void concurrentPredictionsSharingThePoolGiveTheSequentialOutputs() throws Exception {
    ModelSpec spec = FusionTest.planeChain();
    List<HostArray> inputs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      inputs.add(TfModels.randomInput(20 + i, 1 + i % 3, 19, 29, 4));
    }
    try (Model tf = FusionTest.build(spec, 43);
        SparseModel sparse = poisoned(() -> SparseModel.of(tf, SparseOptions.defaults().calibrate(false)
            .channelMajorFrom(1).threads(2)))) {
      List<List<HostArray>> expected = new ArrayList<>();
      for (HostArray x : inputs) {
        expected.add(sparse.predict(List.of(x), 3));
      }
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int first = t;
          futures.add(pool.submit(() -> {
            for (int call = 0; call < 12; call++) {
              int i = (first + call) % inputs.size();
              List<HostArray> out = sparse.predict(List.of(inputs.get(i)), 3);
              for (int k = 0; k < out.size(); k++) {
                assertThat(out.get(k).floats()).as("input %d, output %d", i, k)
                    .containsExactly(expected.get(i).get(k).floats());
              }
            }
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : futures) {
          f.get(120, java.util.concurrent.TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static SparseModel poisoned(java.util.function.Supplier<SparseModel> make) {
    System.setProperty("topiary.sparse.poisonBuffers", "true");
    try {
      return make.get();
    } finally {
      System.clearProperty("topiary.sparse.poisonBuffers");
    }
  }

  /**
   * Convolutions that run channels-last, each with zeros it must not find in a reused array: a 3x3 SAME
   * convolution's patches past the input, a depth multiplier's sums, a separable convolution's depthwise step.
   */
  static ModelSpec channelsLastConvolutions() {
    Node x = Input.of(9, 11, 6);
    Node conv = Conv2D.of(8, 3).padding(Padding.SAME).activation(Activation.RELU).apply(x);
    Node dw = DepthwiseConv2D.of(3).depthMultiplier(2).padding(Padding.SAME).apply(conv);
    Node sep = SeparableConv2D.of(5, 3).padding(Padding.SAME).apply(dw);
    return Functional.of(x, Dense.of(3).apply(GlobalAveragePooling2D.of().apply(MaxPooling2D.of(2).apply(sep))));
  }

  /**
   * Layers that pass their input's array on (Dropout at inference, Reshape, Flatten): a value read after the
   * layer that produced it is dead, and model outputs sharing an array with a dead value, keep it.
   */
  @Test
  void arraysPassedOnByALayerLiveAsLongAsAnyValueHoldingThem() {
    Node x = Input.of(12);
    Node hidden = Dense.of(12, Activation.RELU).apply(x);
    Node kept = Dropout.of(0.5).apply(hidden); // an output holding hidden's array
    Node grid = Reshape.of(3, 4).apply(hidden);
    Node flat = Flatten.of().apply(grid);
    Node later = Dense.of(12).apply(Dense.of(12, Activation.TANH).apply(flat));
    Node sum = Add.of().apply(later, flat);
    ModelSpec spec = Functional.of(List.of(x), List.of(kept, Dense.of(5).apply(sum), grid));
    HostArray in = TfModels.randomInput(7, 4, 12);
    try (Model tf = TfModels.build(spec, Zeros.RANDOM, 0.5, 9);
        SparseModel sparse = poisoned(() -> SparseModel.of(tf, SparseOptions.defaults().calibrate(false)))) {
      List<HostArray> expected = tf.predict(List.of(in), 4);
      for (int round = 0; round < 3; round++) {
        List<HostArray> actual = sparse.predict(List.of(in), 4);
        for (int k = 0; k < 3; k++) {
          SparseModelTest.assertClose(actual.get(k), expected.get(k), 1e-5f, "round " + round + ", output " + k);
        }
      }
    }
  }
}
