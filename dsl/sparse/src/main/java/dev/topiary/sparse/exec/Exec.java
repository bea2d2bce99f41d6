package dev.topiary.sparse.exec;

import dev.topiary.sparse.kernel.Kernels;
import org.jspecify.annotations.Nullable;

/**
 * Where products run: the kernels and {@code threads - 1} {@link Workers} (the calling thread takes
 * shares too). A product is split by output rows, so batch 1 is spread as well as large batches; small
 * products (under {@link #MIN_PARALLEL_WORK} multiply-adds) stay on the calling thread, where a hand-off
 * would cost more than it saves.
 */
public final class Exec implements AutoCloseable {
  /** Multiply-adds below which a product is not split (a hand-off costs some microseconds). */
  public static final long MIN_PARALLEL_WORK = 200_000;

  /** Shares a product is split into per thread. */
  static final int SHARES_PER_THREAD = 2;

  /** A share of rows {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeTask {
    void run(int from, int to);
  }

  private final Kernels kernels;
  private final int threads;
  private final @Nullable Workers pool;
  private final long minParallelWork;
  /** Where this run's values come from and go back to; null outside a model run (every array new). */
  private final Buffers.@Nullable Run buffers;

  public Exec(Kernels kernels, int threads) {
    this(kernels, threads, MIN_PARALLEL_WORK);
  }

  /** As {@link #Exec(Kernels, int)}, splitting products from {@code minParallelWork} multiply-adds (0: always). */
  public Exec(Kernels kernels, int threads, long minParallelWork) {
    this.minParallelWork = minParallelWork;
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.kernels = kernels;
    this.threads = threads;
    this.pool = threads == 1 ? null : new Workers(threads - 1, "topiary-sparse-worker");
    this.buffers = null;
  }

  private Exec(Exec shared, Buffers.Run buffers) {
    this.kernels = shared.kernels;
    this.threads = shared.threads;
    this.pool = shared.pool;
    this.minParallelWork = shared.minParallelWork;
    this.buffers = buffers;
  }

  /** This executor for one model run: the same kernels and workers, values' arrays from {@code buffers}. */
  public Exec forRun(Buffers.Run buffers) {
    return new Exec(this, buffers);
  }

  /**
   * An array for a layer's output or scratch: reused from an earlier value of the run (or run) when there is
   * one, so its contents are undefined: the layer must write every element that anything reads (a
   * channel-major value's plane padding included), never accumulate into it. Zeroed arrays: {@link #zeros}.
   * Call it (and {@link #release}) from the thread running the op, not inside a {@link #forRows} share.
   */
  public float[] floats(int n) {
    return buffers != null ? buffers.floats(n) : new float[n];
  }

  /** As {@link #floats}, every element 0. */
  public float[] zeros(int n) {
    if (buffers == null) {
      return new float[n];
    }
    float[] a = buffers.floats(n);
    java.util.Arrays.fill(a, 0f);
    return a;
  }

  /** Gives back a scratch array from {@link #floats} that the layer no longer needs (not one it returns). */
  public void release(float[] a) {
    if (buffers != null) {
      buffers.release(a);
    }
  }

  public Kernels kernels() {
    return kernels;
  }

  public int threads() {
    return threads;
  }

  /** {@code batch} rounded up to the kernels' vector length. */
  public int paddedBatch(int batch) {
    int l = kernels.lanes();
    return (batch + l - 1) / l * l;
  }

  /**
   * Runs {@code task} over {@code [0, rows)}, split over the threads when the work is large enough: in
   * {@link #SHARES_PER_THREAD} shares per thread, so that a thread slowed by others on its core leaves its
   * later shares to the rest.
   */
  public void forRows(int rows, long workPerRow, RangeTask task) {
    if (pool == null || rows < 2 || (long) rows * workPerRow < minParallelWork) {
      task.run(0, rows);
      return;
    }
    pool.run(rows, Math.min(rows, threads * SHARES_PER_THREAD), task);
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.close();
    }
  }
}
