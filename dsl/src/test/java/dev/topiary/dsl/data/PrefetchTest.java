package dev.topiary.dsl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Background prefetch: the same batches, errors with their cause, no thread left behind. */
class PrefetchTest {

  private static Dataset numbers(int n) {
    return Dataset.fromGenerator(() -> IntStream.range(0, n).mapToObj(i -> Example.of(new float[] {i, -i}, i % 4)).iterator());
  }

  private static long prefetchThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(Pipelines.PREFETCH_THREAD)).count();
  }

  private static void awaitNoPrefetchThreads() throws InterruptedException {
    for (int i = 0; i < 100 && prefetchThreads() > 0; i++) {
      Thread.sleep(20);
    }
    assertThat(prefetchThreads()).isZero();
  }

  @Test
  void prefetchDeliversTheBatchesOfNoPrefetch() throws InterruptedException {
    Dataset plain = numbers(103).shuffle(50, 3);
    for (int epoch = 0; epoch < 3; epoch++) {
      assertThat(plain.prefetch(2).toList(epoch, 8)).isEqualTo(plain.toList(epoch, 8));
      assertThat(plain.batch(10, Dataset.Remainder.DROP).prefetch(1).toList(epoch, 8))
          .isEqualTo(plain.batch(10, Dataset.Remainder.DROP).toList(epoch, 8));
      assertThat(plain.prefetch(3).prefetch(1).toList(epoch, 7)).isEqualTo(plain.toList(epoch, 7));
    }
    assertThat(plain.prefetch(2).toList(0, 8)).hasSize(13);
    awaitNoPrefetchThreads();
  }

  @Test
  void aProducerErrorIsRethrownInTheConsumerWithItsCause() throws InterruptedException {
    IllegalStateException boom = new IllegalStateException("bad record 42");
    Dataset failing = Dataset.fromGenerator(() -> new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Example next() {
        if (i == 42) {
          throw boom;
        }
        return Example.of(new float[] {i++}, 0);
      }
    }).prefetch(2);
    try (Dataset.Batches b = failing.batches(0, 10)) {
      for (int i = 0; i < 4; i++) {
        assertThat(b.next().examples()).isEqualTo(10);
      }
      assertThatThrownBy(b::hasNext).hasMessageContaining("bad record 42").hasCause(boom);
    }
    awaitNoPrefetchThreads();
  }

  @Test
  void closingStopsTheThreadAndClosesTheSourceEvenWhenTheQueueIsFull() throws InterruptedException {
    AtomicBoolean sourceClosed = new AtomicBoolean();
    AtomicInteger made = new AtomicInteger();
    class Endless implements Iterator<Example>, AutoCloseable {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Example next() {
        return Example.of(new float[] {made.getAndIncrement()}, 0);
      }

      @Override
      public void close() {
        sourceClosed.set(true);
      }
    }
    Dataset d = Dataset.fromGenerator(Endless::new).prefetch(2);
    for (int round = 0; round < 20; round++) {
      sourceClosed.set(false);
      Dataset.Batches b = d.batches(round, 4);
      assertThat(b.next().examples()).isEqualTo(4);
      Thread.sleep(round == 0 ? 50 : 1); // the producer fills the queue and blocks
      b.close();
      assertThat(sourceClosed).isTrue();
    }
    awaitNoPrefetchThreads();
    // bounded: the producer never ran far ahead (20 rounds of at most 1 taken + 2 queued + 1 in hand)
    assertThat(made.get()).isLessThanOrEqualTo(20 * 4 * 4);
  }

  @Test
  void aPassReadToTheEndLeavesNoThread() throws InterruptedException {
    for (int i = 0; i < 10; i++) {
      numbers(20).prefetch(4).toList(i, 3);
    }
    awaitNoPrefetchThreads();
    assertThat(List.of(prefetchThreads())).containsExactly(0L);
  }
}
