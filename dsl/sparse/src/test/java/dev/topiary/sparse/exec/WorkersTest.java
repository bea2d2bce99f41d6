package dev.topiary.sparse.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.sparse.kernel.KernelPath;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hand-off of products' shares between the calling thread and the spinning workers. */
@Timeout(60)
class WorkersTest {

  private static Exec exec(int threads) {
    return new Exec(KernelPath.SCALAR.kernels(), threads, 0);
  }

  @Test
  void everyRowRunsExactlyOnceWhateverTheRowsAndThreads() {
    for (int threads = 2; threads <= 4; threads++) {
      try (Exec exec = exec(threads)) {
        for (int rows = 1; rows <= 37; rows++) {
          for (int product = 0; product < 20; product++) {
            AtomicIntegerArray runs = new AtomicIntegerArray(rows);
            exec.forRows(rows, 1, (from, to) -> {
              for (int r = from; r < to; r++) {
                runs.incrementAndGet(r);
              }
            });
            for (int r = 0; r < rows; r++) {
              assertThat(runs.get(r)).as("row %d of %d, %d threads", r, rows, threads).isEqualTo(1);
            }
          }
        }
      }
    }
  }

  /**
   * The first share to start waits for another share to start: if the calling thread ran every share, the
   * first would wait for the second, which would never start, and the latch would time out.
   */
  @Test
  void aWorkerTakesAShareAlsoAfterItFellAsleep() throws InterruptedException {
    try (Exec exec = exec(2)) {
      for (int product = 0; product < 40; product++) {
        CountDownLatch both = new CountDownLatch(2);
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        exec.forRows(2, 1, (from, to) -> {
          ran.add(Thread.currentThread());
          both.countDown();
          try {
            assertThat(both.await(10, TimeUnit.SECONDS)).as("the other share started").isTrue();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
        assertThat(ran).hasSize(2);
        // around and well past the time a worker spins before it sleeps: a product posted as it falls asleep
        // must wake it
        long pause = product % 4 == 0 ? 5_000_000 : Workers.SPIN_NANOS - 50_000 + product * 5_000L;
        TimeUnit.NANOSECONDS.sleep(pause);
      }
    }
  }

  @Test
  void aShareThatThrowsReachesTheCallerAfterTheOtherSharesAndTheWorkersGoOn() {
    try (Exec exec = exec(2)) {
      AtomicIntegerArray runs = new AtomicIntegerArray(8);
      assertThatThrownBy(() -> exec.forRows(8, 1, (from, to) -> {
        for (int r = from; r < to; r++) {
          runs.incrementAndGet(r);
        }
        if (from == 0) {
          throw new IllegalArgumentException("share at row 0 failed");
        }
      })).isInstanceOf(IllegalArgumentException.class).hasMessage("share at row 0 failed");
      for (int r = 0; r < 8; r++) {
        assertThat(runs.get(r)).as("row %d", r).isEqualTo(1);
      }
      AtomicIntegerArray again = new AtomicIntegerArray(8);
      exec.forRows(8, 1, (from, to) -> {
        for (int r = from; r < to; r++) {
          again.incrementAndGet(r);
        }
      });
      assertThat(again.toString()).isEqualTo("[1, 1, 1, 1, 1, 1, 1, 1]");
    }
  }

  @Test
  void aProductInsideAShareAndProductsOfTwoCallersRunWhole() throws InterruptedException {
    try (Exec exec = exec(2)) {
      AtomicIntegerArray nested = new AtomicIntegerArray(4 * 6);
      exec.forRows(4, 1, (from, to) -> {
        for (int r = from; r < to; r++) {
          int outer = r;
          exec.forRows(6, 1, (f, t) -> {
            for (int i = f; i < t; i++) {
              nested.incrementAndGet(outer * 6 + i);
            }
          });
        }
      });
      for (int i = 0; i < 24; i++) {
        assertThat(nested.get(i)).as("inner row %d", i).isEqualTo(1);
      }

      AtomicIntegerArray[] counts = {new AtomicIntegerArray(1000), new AtomicIntegerArray(1000)};
      Thread[] callers = new Thread[2];
      for (int c = 0; c < 2; c++) {
        AtomicIntegerArray mine = counts[c];
        callers[c] = new Thread(() -> {
          for (int product = 0; product < 200; product++) {
            exec.forRows(5, 1, (from, to) -> {
              for (int r = from; r < to; r++) {
                mine.incrementAndGet(r);
              }
            });
          }
        });
        callers[c].start();
      }
      for (Thread t : callers) {
        t.join();
      }
      for (AtomicIntegerArray mine : counts) {
        for (int r = 0; r < 5; r++) {
          assertThat(mine.get(r)).as("row %d", r).isEqualTo(200);
        }
      }
    }
  }

  @Test
  void afterCloseProductsRunOnTheCallingThread() {
    Exec exec = exec(3);
    exec.close();
    Set<Thread> ran = ConcurrentHashMap.newKeySet();
    exec.forRows(6, 1, (from, to) -> ran.add(Thread.currentThread()));
    assertThat(ran).containsExactly(Thread.currentThread());
  }
}
