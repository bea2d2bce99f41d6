package dev.topiary.sparse.exec;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The helper threads of an {@link Exec}: they take shares of a product as soon as it is posted, for the
 * many short products of a batch-1 run (a MobileNetV2 call is some sixty of 20-300 microseconds each).
 * A thread pool's hand-off (a queue, then waking a sleeping thread, then waking the caller) costs tens of
 * microseconds per product on a virtual machine and made a second thread slower than one; here a worker
 * that has just finished a share spins for {@link #SPIN_NANOS} looking for the next before it sleeps, and
 * the caller never waits for a worker to start: it takes the shares no worker has claimed itself (a
 * worker still asleep costs nothing but its share of the speed-up) and waits only for shares under way.
 *
 * <p>One product at a time: a caller that finds the workers busy (another thread's run of the same model,
 * or a product started inside a share) runs its product alone. A share that throws is rethrown to the
 * caller once every share has ended.
 */
final class Workers implements AutoCloseable {
  /** How long a worker looks for the next product before it sleeps: longer than the gaps inside a run. */
  static final long SPIN_NANOS = 200_000;

  /**
   * A spin's pause, now and then a yield: with more threads than free cores a spinning thread would
   * otherwise hold a core that the thread it waits for needs.
   */
  private static void pause(int spins) {
    if ((spins & 63) == 0) {
      Thread.yield();
    } else {
      Thread.onSpinWait();
    }
  }

  // the sleeping flags are read and written as volatile: a plain array element would not order a worker's
  // "sleeping, then look again" against the caller's "post, then look at sleeping"
  private static final java.lang.invoke.VarHandle SLEEPING =
      java.lang.invoke.MethodHandles.arrayElementVarHandle(boolean[].class);

  private final Thread[] threads;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final boolean[] sleeping;
  private volatile @Nullable Job job;
  /** Numbers the products, so that a worker knows one it has helped with (written under {@link #busy}). */
  private long posted;
  private volatile boolean closed;

  /** {@code count} daemon threads named {@code name}. */
  Workers(int count, String name) {
    threads = new Thread[count];
    sleeping = new boolean[count];
    for (int i = 0; i < count; i++) {
      int index = i;
      threads[i] = new Thread(() -> work(index), name);
      threads[i].setDaemon(true);
      threads[i].start();
    }
  }

  /**
   * Runs {@code task} over {@code [0, rows)} in {@code shares} contiguous shares, taken by the workers and
   * the calling thread; returns when all have ended.
   */
  void run(int rows, int shares, Exec.RangeTask task) {
    if (closed || !busy.compareAndSet(false, true)) {
      task.run(0, rows);
      return;
    }
    Job j = new Job(++posted, task, rows, shares);
    try {
      job = j;
      for (int i = 0; i < threads.length; i++) {
        if (sleepingVolatile(i)) {
          LockSupport.unpark(threads[i]);
        }
      }
      j.help();
      for (int spins = 1; j.done.get() < shares; spins++) {
        pause(spins); // the shares left are running on workers now
      }
    } finally {
      job = null;
      busy.set(false);
    }
    Throwable e = j.error;
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    if (e != null) {
      throw new IllegalStateException(e);
    }
  }

  private void work(int index) {
    long seen = 0;
    while (!closed) {
      Job j = job;
      if (j != null && j.id != seen) {
        seen = j.id;
        j.help();
        continue;
      }
      long end = System.nanoTime() + SPIN_NANOS;
      for (int spins = 1; !isNew(job, seen); spins++) {
        if (closed) {
          return;
        }
        if (System.nanoTime() - end > 0) {
          // sleep: say so first, then look once more, so that a product posted in between is not missed
          setSleeping(index, true);
          if (!isNew(job, seen)) {
            LockSupport.park(this);
          }
          setSleeping(index, false);
          end = System.nanoTime() + SPIN_NANOS;
        } else {
          pause(spins);
        }
      }
    }
  }

  private static boolean isNew(@Nullable Job j, long seen) {
    return j != null && j.id != seen;
  }

  private boolean sleepingVolatile(int i) {
    return (boolean) SLEEPING.getVolatile(sleeping, i);
  }

  private void setSleeping(int i, boolean value) {
    SLEEPING.setVolatile(sleeping, i, value);
  }

  @Override
  public void close() {
    closed = true;
    for (Thread t : threads) {
      LockSupport.unpark(t);
    }
  }

  /** One product: its shares, handed out in order to whoever asks first. */
  private static final class Job {
    final long id;
    final Exec.RangeTask task;
    final int rows;
    final int shares;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    volatile @Nullable Throwable error;

    Job(long id, Exec.RangeTask task, int rows, int shares) {
      this.id = id;
      this.task = task;
      this.rows = rows;
      this.shares = shares;
    }

    void help() {
      int s;
      while ((s = next.getAndIncrement()) < shares) {
        try {
          task.run((int) ((long) rows * s / shares), (int) ((long) rows * (s + 1) / shares));
        } catch (Throwable e) {
          if (error == null) {
            error = e;
          }
        } finally {
          done.incrementAndGet();
        }
      }
    }
  }
}
