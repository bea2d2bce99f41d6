package dev.topiary.sparse.exec;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Float arrays reused for a model's intermediate values, within a run and from one run to the next, as
 * TFLite's arena reuses tensor memory. A fresh {@code new float[n]} is zeroed by the JVM and lands in memory
 * that is not in cache: MobileNetV2 at batch 1 allocates 32 MB of values per run, and zeroing and first
 * touching them cost about as much as its depthwise layers. A value's array comes back to the pool when the
 * last layer that reads it has run (see {@link Run#release}), so the next value of that size reuses it while
 * it is still in cache.
 *
 * <p>Arrays are matched by exact length (a value's length is part of its shape). The pool keeps at most
 * {@link #DEFAULT_RETAINED_FLOATS} floats between runs (system property {@code topiary.sparse.retainedMB}),
 * dropping the sizes used least recently first, so a model run at changing batch sizes holds the arrays of
 * its recent sizes only. Thread-safe: concurrent runs share the pool, each through its own {@link Run}.
 */
public final class Buffers {
  /** Floats kept for reuse at most: 64 MB, or {@code topiary.sparse.retainedMB}. */
  public static final long DEFAULT_RETAINED_FLOATS = Long.getLong("topiary.sparse.retainedMB", 64) * 1024 * 1024 / 4;

  /** Free arrays by length, in order of last use (least recent first). */
  private final LinkedHashMap<Integer, ArrayDeque<float[]>> free = new LinkedHashMap<>(16, 0.75f, true);
  private final long maxRetained;
  private long retained;
  /**
   * Whether every array handed out is filled with NaN first (system property {@code
   * topiary.sparse.poisonBuffers}, read when the pool is made): a debugging aid for layer ops, one that reads
   * an element it did not write then shows NaN instead of an earlier value's number, or a zero that happened
   * to be there.
   */
  private final boolean poison = Boolean.getBoolean("topiary.sparse.poisonBuffers");

  public Buffers() {
    this(DEFAULT_RETAINED_FLOATS);
  }

  /** A pool keeping at most {@code maxRetained} floats for reuse (0: none, every array is new). */
  public Buffers(long maxRetained) {
    if (maxRetained < 0) {
      throw new IllegalArgumentException("retained floats must be >= 0, got " + maxRetained);
    }
    this.maxRetained = maxRetained;
  }

  /** A run's view of the pool: it releases only the arrays it took. */
  public Run run() {
    return new Run();
  }

  /** Floats held for reuse now (for tests and reports). */
  public synchronized long retained() {
    return retained;
  }

  /** Drops every array held for reuse (a closed model keeps none). */
  public synchronized void clear() {
    free.clear();
    retained = 0;
  }

  private synchronized float[] take(int n) {
    ArrayDeque<float[]> q = free.get(n);
    float[] a = q == null ? null : q.pollLast();
    if (a == null) {
      return new float[n];
    }
    retained -= n;
    if (q.isEmpty()) {
      free.remove(n);
    }
    return a;
  }

  private synchronized void give(float[] a) {
    int n = a.length;
    if (n > maxRetained) {
      return;
    }
    // the least recently used sizes make room; this size's own arrays are the last to go
    for (Iterator<Map.Entry<Integer, ArrayDeque<float[]>>> it = free.entrySet().iterator();
        retained + n > maxRetained && it.hasNext(); ) {
      Map.Entry<Integer, ArrayDeque<float[]>> e = it.next();
      if (e.getKey() == n) {
        continue;
      }
      retained -= (long) e.getKey() * e.getValue().size();
      it.remove();
    }
    if (retained + n > maxRetained) {
      return;
    }
    free.computeIfAbsent(n, k -> new ArrayDeque<>()).addLast(a);
    retained += n;
  }

  /**
   * The arrays one run took. {@link #release} gives back only those (never a caller's input array, a
   * weight, or an array a layer passed through from its input), each at most once.
   */
  public final class Run {
    private final Set<float[]> taken = Collections.newSetFromMap(new IdentityHashMap<>());

    private Run() {}

    /** An array of {@code n} floats whose contents are undefined (an earlier value's numbers). */
    public float[] floats(int n) {
      float[] a = take(n);
      if (poison) {
        java.util.Arrays.fill(a, Float.NaN);
      }
      taken.add(a);
      return a;
    }

    /** Gives {@code a} back for reuse if this run took it and has not given it back yet. */
    public void release(float[] a) {
      if (taken.remove(a)) {
        give(a);
      }
    }
  }
}
