package dev.topiary.dsl.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** A generator larger than the heap streams through a whole pipeline: nothing holds a pass in memory. */
class StreamingTest {

  @Test
  void aPassLargerThanTheHeapStreams() {
    int floatsPerExample = 1 << 18; // 1 MiB per example
    long heap = Runtime.getRuntime().maxMemory();
    int examples = (int) Math.min(Integer.MAX_VALUE, heap / (4L * floatsPerExample) * 5 / 4); // 1.25 x the heap
    Dataset big = Dataset.fromGenerator(() -> new Iterator<Example>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < examples;
      }

      @Override
      public Example next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        float[] x = new float[floatsPerExample];
        x[0] = i;
        return Example.of(x, i++ % 10);
      }
    }, examples).shuffle(16, 1).map(e -> e).batch(8).prefetch(2);
    long seen = 0;
    double sum = 0;
    try (Dataset.Batches b = big.batches(0, 8)) {
      while (b.hasNext()) {
        Batch batch = b.next();
        seen += batch.examples();
        float[] first = batch.inputs().get(0).slice(0, 1).floats();
        sum += first[0];
      }
    }
    assertThat(seen).isEqualTo(examples);
    assertThat(sum).isGreaterThan(0);
  }
}
