package dev.topiary.dsl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Datasets from arrays and generators, and their transforms. */
class DatasetTest {

  /** 10 examples: x_i = [i, 10 + i], label i % 3. */
  private static Dataset ten() {
    float[][] x = new float[10][];
    int[] y = new int[10];
    for (int i = 0; i < 10; i++) {
      x[i] = new float[] {i, 10 + i};
      y[i] = i % 3;
    }
    return Dataset.of(x, y);
  }

  /** The first feature of every example of a pass, in order (it identifies the example). */
  private static List<Integer> ids(Dataset d, int epoch, int batchSize) {
    List<Integer> out = new ArrayList<>();
    for (Batch b : d.toList(epoch, batchSize)) {
      float[] x = b.inputs().get(0).floats();
      int width = (int) b.inputs().get(0).exampleShape()[0];
      for (int i = 0; i < b.examples(); i++) {
        out.add((int) x[i * width]);
      }
    }
    return out;
  }

  private static List<Integer> sizes(Dataset d, int epoch, int batchSize) {
    return d.toList(epoch, batchSize).stream().map(Batch::examples).toList();
  }

  /** A generator of n examples x = [i], label i % 2, counting its passes. */
  private static Dataset generator(int n, AtomicInteger passes) {
    return Dataset.fromGenerator(() -> {
      passes.incrementAndGet();
      return IntStream.range(0, n).mapToObj(i -> Example.of(new float[] {i}, i % 2)).iterator();
    });
  }

  @Test
  void floatMatrixAndIntLabelsBatchInOrderWithAShortLastBatch() {
    List<Batch> batches = ten().toList(0, 4);
    assertThat(batches).extracting(Batch::examples).containsExactly(4, 4, 2);
    Batch last = batches.get(2);
    assertThat(last.inputs().get(0)).isEqualTo(HostArray.of(new float[] {8, 18, 9, 19}, 2, 2));
    assertThat(last.labels().get(0)).isEqualTo(HostArray.ofLabels(new int[] {2, 0}));
    assertThat(last.sampleWeights()).isNull();
    assertThat(last.inputNames()).isNull();
    assertThat(ten().size()).isEqualTo(OptionalLong.of(10));
  }

  @Test
  void everyArrayOverloadGivesTheExpectedArrays() {
    float[][] f2 = {{1, 2}, {3, 4}};
    double[][] d2 = {{1, 2}, {3, 4}};
    HostArray x2 = HostArray.of(new float[] {1, 2, 3, 4}, 2, 2);
    HostArray ints = HostArray.ofLabels(new int[] {1, 0});
    HostArray targets = HostArray.of(new float[] {0.5f, 1.5f}, 2, 1);
    assertThat(only(Dataset.of(f2, new int[] {1, 0}))).isEqualTo(Batch.of(List.of(x2), List.of(ints)));
    assertThat(only(Dataset.of(f2, new long[] {1, 0}))).isEqualTo(Batch.of(List.of(x2), List.of(ints)));
    assertThat(only(Dataset.of(f2, new float[][] {{0.5f}, {1.5f}}))).isEqualTo(Batch.of(List.of(x2), List.of(targets)));
    assertThat(only(Dataset.of(f2))).isEqualTo(Batch.of(List.of(x2), List.of()));
    assertThat(only(Dataset.of(d2, new int[] {1, 0}))).isEqualTo(Batch.of(List.of(x2), List.of(ints)));
    assertThat(only(Dataset.of(d2, new long[] {1, 0}))).isEqualTo(Batch.of(List.of(x2), List.of(ints)));
    assertThat(only(Dataset.of(d2, new float[][] {{0.5f}, {1.5f}}))).isEqualTo(Batch.of(List.of(x2), List.of(targets)));
    assertThat(only(Dataset.of(d2, new double[][] {{0.5}, {1.5}}))).isEqualTo(Batch.of(List.of(x2), List.of(targets)));
    assertThat(only(Dataset.of(d2))).isEqualTo(Batch.of(List.of(x2), List.of()));
    assertThat(only(Dataset.of(x2, ints))).isEqualTo(Batch.of(List.of(x2), List.of(ints)));
    assertThat(only(Dataset.of(x2))).isEqualTo(Batch.of(List.of(x2), List.of()));

    float[][][] f3 = {{{1, 2, 3}, {4, 5, 6}}, {{7, 8, 9}, {10, 11, 12}}};
    HostArray x3 = HostArray.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3);
    assertThat(only(Dataset.of(f3, new int[] {1, 0}))).isEqualTo(Batch.of(List.of(x3), List.of(ints)));
    assertThat(only(Dataset.of(f3, new long[] {1, 0}))).isEqualTo(Batch.of(List.of(x3), List.of(ints)));
    assertThat(only(Dataset.of(f3, new float[][] {{0.5f}, {1.5f}}))).isEqualTo(Batch.of(List.of(x3), List.of(targets)));
    assertThat(only(Dataset.of(f3))).isEqualTo(Batch.of(List.of(x3), List.of()));

    HostArray w = HostArray.of(new float[] {2, 3}, 2);
    assertThat(only(Dataset.of(List.of(x2), List.of(ints), w)).sampleWeights()).isEqualTo(w);
  }

  private static Batch only(Dataset d) {
    List<Batch> all = d.toList(0, 100);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  @Test
  void raggedRowsAndOutOfRangeLabelsAreNamed() {
    assertThatThrownBy(() -> Dataset.of(new float[][] {{1, 2}, {3, 4}, {5}}, new int[] {0, 1, 2}))
        .hasMessage("features: row 2 has 1 values but row 0 has 2 (arrays must not be ragged)");
    assertThatThrownBy(() -> Dataset.of(new double[][] {{1}, {3, 4}}))
        .hasMessageContaining("row 1 has 2 values but row 0 has 1");
    assertThatThrownBy(() -> Dataset.of(new float[][][] {{{1}}, {{1}, {2}}}))
        .hasMessageContaining("row 1 has 2 values but row 0 has 1");
    assertThatThrownBy(() -> Dataset.of(new float[][][] {{{1}, {2}}, {{1}, {2, 3}}}))
        .hasMessageContaining("row [1][1] has 2 values but row [0][0] has 1");
    assertThatThrownBy(() -> Dataset.of(new float[][] {{1}, {2}}, new long[] {0, 1L << 40}))
        .hasMessage("label 1 is 1099511627776, outside the int range of class indices");
    assertThatThrownBy(() -> Dataset.of(new float[][] {{1}, {2}}, new int[] {0}))
        .hasMessageContaining("disagree on the number of examples: 2 vs 1");
    assertThatThrownBy(() -> Dataset.of(HostArray.of(new float[] {1}, 1, 1), HostArray.ofLongs(new long[] {3}, 1)))
        .hasMessage("int64 arrays are not data (HostArray(int64[1])): use int32 labels");
    assertThatThrownBy(() -> ten().toList(-1, 2)).hasMessage("epoch must be >= 0, got -1");
  }

  @Test
  void namedArraysKeepTheirNames() {
    Map<String, HostArray> in = new LinkedHashMap<>();
    in.put("image", HostArray.of(new float[] {1, 2, 3}, 3, 1));
    in.put("meta", HostArray.of(new float[] {4, 5, 6}, 3, 1));
    Dataset d = Dataset.named(in, Map.of("digit", HostArray.ofLabels(new int[] {7, 8, 9})));
    Batch b = d.toList(0, 2).get(1);
    assertThat(b.inputNames()).containsExactly("image", "meta");
    assertThat(b.labelNames()).containsExactly("digit");
    assertThat(b.inputs()).containsExactly(HostArray.of(new float[] {3}, 1, 1), HostArray.of(new float[] {6}, 1, 1));
    assertThat(b.labels()).containsExactly(HostArray.ofLabels(new int[] {9}));
    // names survive a pass through examples (shuffle of a generator, map)
    Batch mapped = d.map(e -> e).toList(0, 3).get(0);
    assertThat(mapped.inputNames()).containsExactly("image", "meta");
    assertThat(mapped.labels()).containsExactly(HostArray.ofLabels(new int[] {7, 8, 9}));
    assertThat(Dataset.named(in).toList(0, 3).get(0).labels()).isEmpty();
  }

  @Test
  void aGeneratorIsAskedAgainEveryPassAndItsExamplesAreStacked() {
    AtomicInteger passes = new AtomicInteger();
    Dataset d = generator(5, passes);
    assertThat(d.size()).isEmpty();
    List<Batch> batches = d.toList(0, 2);
    assertThat(batches).extracting(Batch::examples).containsExactly(2, 2, 1);
    assertThat(batches.get(1).inputs().get(0)).isEqualTo(HostArray.of(new float[] {2, 3}, 2, 1));
    assertThat(batches.get(1).labels().get(0)).isEqualTo(HostArray.ofLabels(new int[] {0, 1}));
    d.toList(1, 2);
    assertThat(passes.get()).isEqualTo(2);
    assertThat(Dataset.fromGenerator(() -> List.<Example>of().iterator(), 0).toList(0, 4)).isEmpty();
  }

  @Test
  void aGeneratorsCloseableIteratorIsClosedWithTheBatches() {
    AtomicInteger closed = new AtomicInteger();
    class Closing implements Iterator<Example>, AutoCloseable {
      int i;

      @Override
      public boolean hasNext() {
        return i < 100;
      }

      @Override
      public Example next() {
        return Example.of(new float[] {i++}, 0);
      }

      @Override
      public void close() {
        closed.incrementAndGet();
      }
    }
    try (Dataset.Batches b = Dataset.fromGenerator(Closing::new).batches(0, 10)) {
      b.next();
    }
    assertThat(closed.get()).isEqualTo(1);
  }

  @Test
  void examplesOfDifferentStructureFailNamingTheExample() {
    Dataset d = Dataset.fromExamples(List.of(Example.of(new float[] {1, 2}, 0), Example.of(new float[] {1, 2}, 1),
        Example.of(new float[] {1, 2, 3}, 0)));
    assertThatThrownBy(() -> d.toList(0, 8)).hasMessage("example 2 does not match example 0: input 0 is float[3] vs float[2]");
  }

  @Test
  void weightedExamplesGiveSampleWeightsAndUnweightedOnesWeighOne() {
    Dataset d = Dataset.fromExamples(List.of(Example.of(new float[] {1}, 0).withWeight(0.5f), Example.of(new float[] {2}, 1)));
    assertThat(d.toList(0, 2).get(0).sampleWeights()).isEqualTo(HostArray.of(new float[] {0.5f, 1f}, 2));
  }

  @Test
  void shuffleIsTheSameForAnEpochAndDiffersAcrossEpochs() {
    Dataset d = ten().shuffle(10, 42);
    List<Integer> epoch0 = ids(d, 0, 3);
    assertThat(ids(d, 0, 3)).isEqualTo(epoch0);
    assertThat(ids(ten().shuffle(10, 42), 0, 5)).isEqualTo(epoch0); // batch size does not change the order
    assertThat(ids(d, 1, 3)).isNotEqualTo(epoch0);
    assertThat(ids(ten().shuffle(10, 43), 0, 3)).isNotEqualTo(epoch0);
    assertThat(epoch0).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9).isNotEqualTo(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    // labels travel with their features
    for (Batch b : d.toList(3, 4)) {
      float[] x = b.inputs().get(0).floats();
      int[] y = b.labels().get(0).ints();
      for (int i = 0; i < y.length; i++) {
        assertThat(y[i]).isEqualTo((int) x[2 * i] % 3);
      }
    }
  }

  @Test
  void aGeneratorShufflesLikeArraysForTheSameSeedAndEpoch() {
    Dataset gen = Dataset.fromGenerator(() -> IntStream.range(0, 10)
        .mapToObj(i -> Example.of(new float[] {i, 10 + i}, i % 3)).iterator());
    for (int buffer : new int[] {1, 3, 10, 50}) {
      for (int epoch = 0; epoch < 3; epoch++) {
        assertThat(ids(gen.shuffle(buffer, 7), epoch, 4)).isEqualTo(ids(ten().shuffle(buffer, 7), epoch, 4));
      }
    }
  }

  @Test
  void aBufferShuffleIsAPermutationThatOnlyMovesExamplesWithinReach() {
    int n = 1000;
    int buffer = 10;
    float[] ids = new float[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    Dataset d = Dataset.of(HostArray.of(ids, n, 1)).shuffle(buffer, 5);
    List<Integer> order = ids(d, 0, 64);
    assertThat(order).containsExactlyInAnyOrderElementsOf(IntStream.range(0, n).boxed().toList());
    // the k-th output was among the first k + buffer inputs
    for (int k = 0; k < n; k++) {
      assertThat(order.get(k)).isLessThan(k + buffer);
    }
    // a buffer of one keeps the order
    assertThat(ids(Dataset.of(HostArray.of(ids, n, 1)).shuffle(1, 5), 0, 64)).isEqualTo(IntStream.range(0, n).boxed().toList());
  }

  @Test
  void batchKeepsOrDropsTheRemainderAndOverridesTheFitBatchSize() {
    assertThat(sizes(ten().batch(4), 0, 100)).containsExactly(4, 4, 2);
    assertThat(sizes(ten().batch(4, Dataset.Remainder.KEEP), 0, 1)).containsExactly(4, 4, 2);
    assertThat(sizes(ten().batch(4, Dataset.Remainder.DROP), 0, 1)).containsExactly(4, 4);
    assertThat(ten().batch(4, Dataset.Remainder.DROP).size()).isEqualTo(OptionalLong.of(8));
    assertThat(ten().batch(4).size()).isEqualTo(OptionalLong.of(10));
    assertThat(sizes(ten().batch(5, Dataset.Remainder.DROP), 0, 1)).containsExactly(5, 5);
    assertThat(sizes(generator(3, new AtomicInteger()).batch(4, Dataset.Remainder.DROP), 0, 1)).isEmpty();
    assertThat(ids(ten().shuffle(10, 1).batch(3, Dataset.Remainder.DROP), 2, 1))
        .isEqualTo(ids(ten().shuffle(10, 1), 2, 3).subList(0, 9));
    assertThatThrownBy(() -> ten().batch(2).shuffle(10, 1)).hasMessageContaining("before batch() and prefetch()");
    assertThatThrownBy(() -> ten().batch(0)).hasMessageContaining("positive");
  }

  @Test
  void mapTransformsEveryExample() {
    Dataset d = ten().map(e -> {
      float[] x = e.input().floats();
      return Example.of(List.of(Example.Values.of(new float[] {x[0] * 2})), List.of(Example.Values.label(e.label().intValue() + 1)));
    });
    Batch b = d.toList(0, 10).get(0);
    assertThat(b.inputs().get(0)).isEqualTo(HostArray.of(new float[] {0, 2, 4, 6, 8, 10, 12, 14, 16, 18}, 10, 1));
    assertThat(b.labels().get(0)).isEqualTo(HostArray.ofLabels(new int[] {1, 2, 3, 1, 2, 3, 1, 2, 3, 1}));
    assertThat(d.size()).isEqualTo(OptionalLong.of(10));
  }

  @Test
  void takeSkipAndShardSelectExamples() {
    assertThat(ids(ten().take(3), 0, 2)).containsExactly(0, 1, 2);
    assertThat(ids(ten().skip(7), 0, 2)).containsExactly(7, 8, 9);
    assertThat(ids(ten().skip(20), 0, 2)).isEmpty();
    assertThat(ids(ten().shard(3, 0), 0, 2)).containsExactly(0, 3, 6, 9);
    assertThat(ids(ten().shard(3, 1), 0, 2)).containsExactly(1, 4, 7);
    assertThat(ids(ten().shard(3, 2), 0, 2)).containsExactly(2, 5, 8);
    assertThat(ten().shard(3, 0).size()).isEqualTo(OptionalLong.of(4));
    assertThat(ten().shard(3, 2).size()).isEqualTo(OptionalLong.of(3));
    assertThat(ten().skip(2).take(5).size()).isEqualTo(OptionalLong.of(5));
    assertThat(ids(ten().skip(2).take(5).shard(2, 1), 0, 2)).containsExactly(3, 5);
    // the same on a generator (streaming path)
    Dataset gen = Dataset.fromGenerator(() -> IntStream.range(0, 10)
        .mapToObj(i -> Example.of(new float[] {i, 10 + i}, i % 3)).iterator(), 10);
    assertThat(ids(gen.shard(3, 1), 0, 2)).containsExactly(1, 4, 7);
    assertThat(gen.shard(3, 1).size()).isEqualTo(OptionalLong.of(3));
    assertThat(ids(gen.skip(2).take(5).shard(2, 1), 0, 2)).containsExactly(3, 5);
    assertThat(gen.skip(2).take(5).size()).isEqualTo(OptionalLong.of(5));
    assertThatThrownBy(() -> ten().shard(3, 3)).hasMessage("shard 3 of 3: need 0 <= index < count");
    // shards of a shuffled dataset are disjoint and cover it, for every epoch
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      all.addAll(ids(ten().shuffle(10, 9).shard(3, i), 4, 2));
    }
    assertThat(all).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  }

  @Test
  void aPlainDatasetOfBatchesCanBeTransformed() {
    Dataset plain = (epoch, batchSize) -> ten().batches(epoch, batchSize);
    assertThat(ids(plain.take(4), 0, 3)).containsExactly(0, 1, 2, 3);
    assertThat(ids(plain.shuffle(10, 42), 0, 3)).isEqualTo(ids(ten().shuffle(10, 42), 0, 3));
    assertThat(Arrays.asList(plain.examples(0).get(9).input().floats()[0])).containsExactly(9f);
  }
}
