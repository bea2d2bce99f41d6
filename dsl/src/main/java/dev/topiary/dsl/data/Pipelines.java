package dev.topiary.dsl.data;

import dev.topiary.dsl.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** The datasets behind {@link Dataset}'s factories and transforms. */
final class Pipelines {
  private Pipelines() {}

  /** When a plain {@link Dataset} (only batches) must give examples, it is read in batches of this size. */
  static final int UNBATCH_SIZE = 256;

  /** Examples, one at a time, holding resources until closed. */
  interface ExampleIterator extends Iterator<Example>, AutoCloseable {
    @Override
    void close();
  }

  /** A dataset of single examples; batches of {@code batchSize}, the last one possibly short. */
  abstract static class ExampleDataset implements Dataset {
    abstract ExampleIterator exampleIterator(int epoch);

    @Override
    public Batches batches(int epoch, int batchSize) {
      return new Batcher(exampleIterator(epoch), batchSize, Dataset.Remainder.KEEP);
    }
  }

  /** A dataset batched explicitly ({@link Dataset#batch}) or prefetched: transforms of examples no longer apply. */
  interface BatchLevel {}

  static void requireExampleLevel(Dataset d, String transform) {
    while (d instanceof ForwardingDataset f) {
      d = f.delegate();
    }
    if (d instanceof BatchLevel) {
      throw new IllegalStateException(transform + " applies to examples: call it before batch() and prefetch()");
    }
  }

  static Dataset unwrap(Dataset d) {
    while (d instanceof ForwardingDataset f) {
      d = f.delegate();
    }
    return d;
  }

  static ExampleIterator examplesOf(Dataset d, int epoch) {
    while (d instanceof ForwardingDataset f) {
      d = f.delegate();
    }
    if (d instanceof ExampleDataset e) {
      return e.exampleIterator(epoch);
    }
    return new Unbatcher(d.batches(epoch, UNBATCH_SIZE));
  }

  static void checkEpoch(int epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
  }

  static void checkBatchSize(int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
  }

  // ---- sources -------------------------------------------------------------------------------

  /** Examples held in host arrays; shuffles, takes, skips and shards reorder indices, batches gather. */
  static final class ArrayDataset extends ExampleDataset {
    final List<HostArray> inputs;
    final List<HostArray> labels;
    final @Nullable HostArray weights;
    final @Nullable List<String> inputNames;
    final @Nullable List<String> labelNames;
    final int examples;
    /** The indices of one epoch, or null for 0..examples-1. */
    final @Nullable IntFunction<int[]> order;
    final int size;

    ArrayDataset(List<HostArray> inputs, List<HostArray> labels, @Nullable HostArray weights,
        @Nullable List<String> inputNames, @Nullable List<String> labelNames) {
      // The batch record validates counts, types and names once, here rather than at the first batch.
      Batch check = new Batch(inputs, labels, weights, inputNames, labelNames);
      for (List<HostArray> arrays : List.of(check.inputs(), check.labels())) {
        for (HostArray a : arrays) {
          if (a.dtype() == HostArray.DType.INT64) {
            throw new IllegalArgumentException("int64 arrays are not data (" + a + "): use int32 labels");
          }
        }
      }
      this.inputs = check.inputs();
      this.labels = check.labels();
      this.weights = weights;
      this.inputNames = check.inputNames();
      this.labelNames = check.labelNames();
      this.examples = check.examples();
      this.order = null;
      this.size = examples;
    }

    @Override
    public @Nullable Batch asArrays() {
      return order == null ? new Batch(inputs, labels, weights, inputNames, labelNames) : null;
    }

    private ArrayDataset(ArrayDataset base, IntFunction<int[]> order, int size) {
      this.inputs = base.inputs;
      this.labels = base.labels;
      this.weights = base.weights;
      this.inputNames = base.inputNames;
      this.labelNames = base.labelNames;
      this.examples = base.examples;
      this.order = order;
      this.size = size;
    }

    int[] indices(int epoch) {
      checkEpoch(epoch);
      if (order == null) {
        int[] all = new int[examples];
        for (int i = 0; i < all.length; i++) {
          all[i] = i;
        }
        return all;
      }
      return order.apply(epoch);
    }

    ArrayDataset reorder(Function<int[], int[]> f, int newSize) {
      return reorder((epoch, idx) -> f.apply(idx), newSize);
    }

    ArrayDataset reorder(EpochReorder f, int newSize) {
      return new ArrayDataset(this, epoch -> f.apply(epoch, indices(epoch)), newSize);
    }

    interface EpochReorder {
      int[] apply(int epoch, int[] indices);
    }

    Example example(int i) {
      List<Example.Values> in = new ArrayList<>(inputs.size());
      for (HostArray a : inputs) {
        in.add(Example.Values.of(a, i));
      }
      List<Example.Values> lab = new ArrayList<>(labels.size());
      for (HostArray a : labels) {
        lab.add(Example.Values.of(a, i));
      }
      Float w = weights == null ? null : weights.slice(i, i + 1).floats()[0];
      return new Example(in, lab, w, inputNames, labelNames);
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      int[] idx = indices(epoch);
      return new ExampleIterator() {
        int at;

        @Override
        public boolean hasNext() {
          return at < idx.length;
        }

        @Override
        public Example next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return example(idx[at++]);
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public Batches batches(int epoch, int batchSize) {
      checkBatchSize(batchSize);
      int[] idx = indices(epoch);
      return new Batches() {
        int at;

        @Override
        public boolean hasNext() {
          return at < idx.length;
        }

        @Override
        public Batch next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          int[] part = Arrays.copyOfRange(idx, at, Math.min(idx.length, at + batchSize));
          at += part.length;
          return new Batch(gather(inputs, part), gather(labels, part), weights == null ? null : weights.gather(part),
              inputNames, labelNames);
        }

        @Override
        public void close() {}
      };
    }

    private static List<HostArray> gather(List<HostArray> arrays, int[] idx) {
      List<HostArray> out = new ArrayList<>(arrays.size());
      for (HostArray a : arrays) {
        out.add(a.gather(idx));
      }
      return out;
    }

    @Override
    public OptionalLong size() {
      return OptionalLong.of(size);
    }

    @Override
    public String toString() {
      return "Dataset(" + size + " examples of " + inputs + (labels.isEmpty() ? "" : " -> " + labels) + ")";
    }
  }

  /** Examples from a generator, asked again for every pass. */
  static final class GeneratorDataset extends ExampleDataset {
    private final Supplier<? extends Iterator<Example>> generator;
    private final OptionalLong size;

    GeneratorDataset(Supplier<? extends Iterator<Example>> generator, OptionalLong size) {
      this.generator = generator;
      this.size = size;
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      checkEpoch(epoch);
      Iterator<Example> it = generator.get();
      if (it == null) {
        throw new IllegalStateException("the generator returned no iterator");
      }
      return new ExampleIterator() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Example next() {
          Example e = it.next();
          if (e == null) {
            throw new IllegalStateException("the generator gave a null example");
          }
          return e;
        }

        @Override
        public void close() {
          closeQuietly(it);
        }
      };
    }

    @Override
    public OptionalLong size() {
      return size;
    }

    @Override
    public String toString() {
      return "Dataset(generator" + (size.isPresent() ? ", " + size.getAsLong() + " examples" : "") + ")";
    }
  }

  static void closeQuietly(Object o) {
    if (o instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("closing the data failed: " + e.getMessage(), e);
      }
    }
  }

  // ---- transforms of examples ----------------------------------------------------------------

  /** Examples through a buffer of {@code buffer} from which one is drawn at random (tf.data's shuffle). */
  static final class ShuffleIterator<T> implements Iterator<T> {
    private final Iterator<T> source;
    private final List<T> buffer = new ArrayList<>();
    private final int capacity;
    private final Random random;

    ShuffleIterator(Iterator<T> source, int capacity, Random random) {
      this.source = source;
      this.capacity = capacity;
      this.random = random;
    }

    @Override
    public boolean hasNext() {
      fill();
      return !buffer.isEmpty();
    }

    private void fill() {
      while (buffer.size() < capacity && source.hasNext()) {
        buffer.add(source.next());
      }
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int j = random.nextInt(buffer.size());
      T out = buffer.get(j);
      T last = buffer.remove(buffer.size() - 1);
      if (j < buffer.size()) {
        buffer.set(j, last);
      }
      return out;
    }
  }

  static int[] shuffleIndices(int[] idx, int buffer, long seed, int epoch) {
    ShuffleIterator<Integer> it =
        new ShuffleIterator<>(Arrays.stream(idx).iterator(), buffer, Seeds.epochRandom(seed, epoch));
    int[] out = new int[idx.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = it.next();
    }
    return out;
  }

  /** An example iterator made from another, closing it. */
  abstract static class Wrapped implements ExampleIterator {
    final ExampleIterator source;

    Wrapped(ExampleIterator source) {
      this.source = source;
    }

    @Override
    public void close() {
      source.close();
    }
  }

  static final class Shuffled extends ExampleDataset {
    private final Dataset source;
    private final int buffer;
    private final long seed;

    Shuffled(Dataset source, int buffer, long seed) {
      this.source = source;
      this.buffer = buffer;
      this.seed = seed;
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      checkEpoch(epoch);
      ExampleIterator in = examplesOf(source, epoch);
      ShuffleIterator<Example> it = new ShuffleIterator<>(in, buffer, Seeds.epochRandom(seed, epoch));
      return new Wrapped(in) {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Example next() {
          return it.next();
        }
      };
    }

    @Override
    public OptionalLong size() {
      return source.size();
    }
  }

  static final class Mapped extends ExampleDataset {
    private final Dataset source;
    private final Function<Example, Example> f;

    Mapped(Dataset source, Function<Example, Example> f) {
      this.source = source;
      this.f = f;
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      ExampleIterator in = examplesOf(source, epoch);
      return new Wrapped(in) {
        @Override
        public boolean hasNext() {
          return in.hasNext();
        }

        @Override
        public Example next() {
          Example out = f.apply(in.next());
          if (out == null) {
            throw new IllegalStateException("map returned null for an example");
          }
          return out;
        }
      };
    }

    @Override
    public OptionalLong size() {
      return source.size();
    }
  }

  /** Examples at positions {@code skip}, {@code skip + step}, ..., at most {@code limit} of them. */
  static final class Selected extends ExampleDataset {
    private final Dataset source;
    private final long skip;
    private final long step;
    private final long limit;

    Selected(Dataset source, long skip, long step, long limit) {
      this.source = source;
      this.skip = skip;
      this.step = step;
      this.limit = limit;
    }

    static long count(long n, long skip, long step, long limit) {
      long after = Math.max(0, n - skip);
      return Math.min(limit, (after + step - 1) / step);
    }

    static int[] select(int[] idx, long skip, long step, long limit) {
      int[] out = new int[(int) count(idx.length, skip, step, limit)];
      for (int i = 0; i < out.length; i++) {
        out[i] = idx[(int) (skip + i * step)];
      }
      return out;
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      ExampleIterator in = examplesOf(source, epoch);
      return new Wrapped(in) {
        long position; // of the next example of the source
        long given;
        @Nullable Example next;

        @Override
        public boolean hasNext() {
          if (next != null) {
            return true;
          }
          if (given >= limit) {
            return false;
          }
          while (in.hasNext()) {
            Example e = in.next();
            long p = position++;
            if (p >= skip && (p - skip) % step == 0) {
              next = e;
              return true;
            }
          }
          return false;
        }

        @Override
        public Example next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          Example e = next;
          next = null;
          given++;
          return e;
        }
      };
    }

    @Override
    public OptionalLong size() {
      OptionalLong n = source.size();
      if (n.isPresent()) {
        return OptionalLong.of(count(n.getAsLong(), skip, step, limit));
      }
      return limit == 0 ? OptionalLong.of(0) : OptionalLong.empty();
    }
  }

  // ---- work on several threads ----------------------------------------------------------------

  private static final AtomicInteger WORKER_THREADS = new AtomicInteger();

  /** The name prefix of the threads of {@link Dataset#map(Function, int)} and {@link Dataset#fromItems}. */
  static final String WORKER_THREAD = "topiary-data-";

  /**
   * Items turned into examples by {@code f} on {@code threads} threads, given in the items' order (the
   * order, and so every seeded transform after it, does not depend on the threads). A bounded window of
   * items is in flight; reading the items stays on the consumer's thread. A null result drops the item
   * when {@code dropNulls}, else fails. {@code f} may also take the item's position in the stream (0, 1, ...),
   * counted on the consumer's thread, for transforms seeded per example.
   */
  static final class OrderedParallel<T> implements ExampleIterator {
    private final Iterator<? extends T> items;
    private final java.util.function.BiFunction<? super T, Long, ? extends @Nullable Example> f;
    private final boolean dropNulls;
    private final java.util.concurrent.@Nullable ExecutorService pool;
    private final java.util.ArrayDeque<java.util.concurrent.Future<@Nullable Example>> window =
        new java.util.ArrayDeque<>();
    private final int capacity;
    private @Nullable Example next;
    private long position; // of the next item taken from items

    OrderedParallel(Iterator<? extends T> items, Function<? super T, ? extends @Nullable Example> f, int threads,
        boolean dropNulls) {
      this(items, (item, position) -> f.apply(item), threads, dropNulls);
    }

    OrderedParallel(Iterator<? extends T> items,
        java.util.function.BiFunction<? super T, Long, ? extends @Nullable Example> f, int threads, boolean dropNulls) {
      checkThreads(threads);
      this.items = items;
      this.f = f;
      this.dropNulls = dropNulls;
      this.capacity = 4 * threads;
      this.pool = threads == 1 ? null : java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, WORKER_THREAD + WORKER_THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        Example e;
        if (pool == null) {
          if (!items.hasNext()) {
            return false;
          }
          e = f.apply(items.next(), position++);
        } else {
          while (window.size() < capacity && items.hasNext()) {
            T item = items.next();
            long at = position++;
            window.add(pool.submit(() -> f.apply(item, at)));
          }
          if (window.isEmpty()) {
            return false;
          }
          e = await(window.poll());
        }
        if (e != null) {
          next = e;
        } else if (!dropNulls) {
          throw new IllegalStateException("map returned null for an example");
        }
      }
      return true;
    }

    private static @Nullable Example await(java.util.concurrent.Future<@Nullable Example> future) {
      try {
        return future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for an example", e);
      } catch (java.util.concurrent.ExecutionException e) {
        // The worker's own exception (a CorruptFileException naming the file), not a wrapper.
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
          throw r;
        }
        if (cause instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(cause.getMessage(), cause);
      }
    }

    @Override
    public Example next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Example e = next;
      next = null;
      return e;
    }

    @Override
    public void close() {
      if (pool != null) {
        pool.shutdownNow();
      }
      window.clear();
      closeQuietly(items);
    }
  }

  static void checkThreads(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
  }

  /** Items of each epoch made into examples on threads ({@link Dataset#fromItems}). */
  static final class ItemDataset<T> extends ExampleDataset {
    private final IntFunction<? extends Iterator<? extends T>> items;
    private final Function<? super T, ? extends @Nullable Example> toExample;
    private final int threads;
    private final OptionalLong size;

    ItemDataset(IntFunction<? extends Iterator<? extends T>> items, Function<? super T, ? extends @Nullable Example> toExample,
        int threads, OptionalLong size) {
      checkThreads(threads);
      this.items = items;
      this.toExample = toExample;
      this.threads = threads;
      this.size = size;
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      checkEpoch(epoch);
      Iterator<? extends T> it = items.apply(epoch);
      if (it == null) {
        throw new IllegalStateException("the items function returned no iterator for epoch " + epoch);
      }
      return new OrderedParallel<>(it, toExample, threads, true);
    }

    @Override
    public OptionalLong size() {
      return size;
    }
  }

  /** {@link Dataset#map(Function, int)}: the examples through {@code f} on several threads, in order. */
  static final class ParallelMapped extends ExampleDataset {
    private final Dataset source;
    private final Function<Example, Example> f;
    private final int threads;

    ParallelMapped(Dataset source, Function<Example, Example> f, int threads) {
      checkThreads(threads);
      this.source = source;
      this.f = f;
      this.threads = threads;
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      return new OrderedParallel<>(examplesOf(source, epoch), f, threads, false);
    }

    @Override
    public OptionalLong size() {
      return source.size();
    }
  }

  /** {@link Dataset#augment}: each example changed by draws seeded by (seed, epoch, position in the pass). */
  static final class Augmented extends ExampleDataset {
    private final Dataset source;
    private final ImageAugmentation augmentation;
    private final int threads;

    Augmented(Dataset source, ImageAugmentation augmentation, int threads) {
      checkThreads(threads);
      this.source = source;
      this.augmentation = augmentation;
      this.threads = threads;
    }

    @Override
    ExampleIterator exampleIterator(int epoch) {
      checkEpoch(epoch);
      // Each example's random draws come from (seed, epoch, position), so the thread count changes nothing.
      return new OrderedParallel<Example>(examplesOf(source, epoch),
          (example, position) -> augmentation.apply(example, epoch, position), threads, false);
    }

    @Override
    public OptionalLong size() {
      return source.size();
    }
  }

  // ---- batches -------------------------------------------------------------------------------

  /** Examples stacked into batches. */
  static final class Batcher implements Dataset.Batches {
    private final ExampleIterator source;
    private final int size;
    private final Dataset.Remainder remainder;
    private @Nullable Batch next;
    private long position; // examples read so far

    Batcher(ExampleIterator source, int size, Dataset.Remainder remainder) {
      checkBatchSize(size);
      this.source = source;
      this.size = size;
      this.remainder = remainder;
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        List<Example> examples = new ArrayList<>(Math.min(size, 4096));
        while (examples.size() < size && source.hasNext()) {
          examples.add(source.next());
        }
        if (examples.isEmpty() || (examples.size() < size && remainder == Dataset.Remainder.DROP)) {
          return false;
        }
        next = stack(examples, position);
        position += examples.size();
      }
      return true;
    }

    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Batch b = next;
      next = null;
      return b;
    }

    @Override
    public void close() {
      source.close();
    }
  }

  /** One batch of {@code examples} (the first at position {@code first} of the pass, for errors). */
  static Batch stack(List<Example> examples, long first) {
    Example head = examples.get(0);
    for (int i = 1; i < examples.size(); i++) {
      Example e = examples.get(i);
      String diff = difference(head, e);
      if (diff != null) {
        throw new IllegalArgumentException("example " + (first + i) + " does not match example " + first + ": " + diff);
      }
    }
    boolean weighted = examples.stream().anyMatch(e -> e.weight() != null);
    HostArray weights = null;
    if (weighted) {
      float[] w = new float[examples.size()];
      for (int i = 0; i < w.length; i++) {
        Float x = examples.get(i).weight();
        w[i] = x == null ? 1f : x;
      }
      weights = HostArray.of(w, w.length);
    }
    return new Batch(stack(examples, true), stack(examples, false), weights, head.inputNames(), head.labelNames());
  }

  private static List<HostArray> stack(List<Example> examples, boolean inputs) {
    Example head = examples.get(0);
    int count = (inputs ? head.inputs() : head.labels()).size();
    List<HostArray> out = new ArrayList<>(count);
    int n = examples.size();
    for (int k = 0; k < count; k++) {
      Example.Values first = (inputs ? head.inputs() : head.labels()).get(k);
      long[] exampleShape = first.shape();
      long[] shape = new long[exampleShape.length + 1];
      shape[0] = n;
      System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
      int per = first.size();
      int total = Math.multiplyExact(per, n);
      boolean floats = first.dtype() == HostArray.DType.FLOAT32;
      Object data = floats ? new float[total] : new int[total];
      for (int i = 0; i < n; i++) {
        Example e = examples.get(i);
        (inputs ? e.inputs() : e.labels()).get(k).copyInto(data, i * per);
      }
      out.add(floats ? HostArray.of((float[]) data, shape) : HostArray.ofLabels((int[]) data, shape));
    }
    return out;
  }

  private static @Nullable String difference(Example a, Example b) {
    String d = difference("input", a.inputs(), b.inputs());
    if (d == null) {
      d = difference("label", a.labels(), b.labels());
    }
    if (d == null && !java.util.Objects.equals(a.inputNames(), b.inputNames())) {
      d = "input names " + b.inputNames() + " vs " + a.inputNames();
    }
    if (d == null && !java.util.Objects.equals(a.labelNames(), b.labelNames())) {
      d = "label names " + b.labelNames() + " vs " + a.labelNames();
    }
    return d;
  }

  private static @Nullable String difference(String what, List<Example.Values> a, List<Example.Values> b) {
    if (a.size() != b.size()) {
      return b.size() + " " + what + "s vs " + a.size();
    }
    for (int k = 0; k < a.size(); k++) {
      if (!a.get(k).sameStructure(b.get(k))) {
        return what + " " + k + " is " + b.get(k).typeName() + " vs " + a.get(k).typeName();
      }
    }
    return null;
  }

  /** Batches split back into examples. */
  static final class Unbatcher implements ExampleIterator {
    private final Dataset.Batches source;
    private @Nullable Batch batch;
    private int at;

    Unbatcher(Dataset.Batches source) {
      this.source = source;
    }

    @Override
    public boolean hasNext() {
      while (batch == null || at >= batch.examples()) {
        if (!source.hasNext()) {
          return false;
        }
        batch = source.next();
        at = 0;
      }
      return true;
    }

    @Override
    public Example next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Batch b = batch;
      int i = at++;
      List<Example.Values> in = new ArrayList<>();
      for (HostArray a : b.inputs()) {
        in.add(Example.Values.of(a, i));
      }
      List<Example.Values> lab = new ArrayList<>();
      for (HostArray a : b.labels()) {
        lab.add(Example.Values.of(a, i));
      }
      Float w = b.sampleWeights() == null ? null : b.sampleWeights().slice(i, i + 1).floats()[0];
      return new Example(in, lab, w, b.inputNames(), b.labelNames());
    }

    @Override
    public void close() {
      source.close();
    }
  }

  static final class Batched implements Dataset, BatchLevel {
    private final Dataset source;
    private final int size;
    private final Dataset.Remainder remainder;

    Batched(Dataset source, int size, Dataset.Remainder remainder) {
      checkBatchSize(size);
      this.source = source;
      this.size = size;
      this.remainder = remainder;
    }

    @Override
    public Batches batches(int epoch, int ignoredBatchSize) {
      return new Batcher(examplesOf(source, epoch), size, remainder);
    }

    @Override
    public OptionalLong size() {
      OptionalLong n = source.size();
      if (n.isEmpty() || remainder == Dataset.Remainder.KEEP) {
        return n;
      }
      return OptionalLong.of(n.getAsLong() / size * size);
    }
  }

  // ---- prefetch ------------------------------------------------------------------------------

  private static final AtomicInteger PREFETCH_THREADS = new AtomicInteger();

  /** The name prefix of prefetch threads. */
  static final String PREFETCH_THREAD = "topiary-prefetch-";

  static final class Prefetched implements Dataset, BatchLevel {
    private final Dataset source;
    private final int capacity;

    Prefetched(Dataset source, int capacity) {
      if (capacity <= 0) {
        throw new IllegalArgumentException("prefetch needs room for at least one batch, got " + capacity);
      }
      this.source = source;
      this.capacity = capacity;
    }

    @Override
    public Batches batches(int epoch, int batchSize) {
      checkEpoch(epoch);
      checkBatchSize(batchSize);
      return new PrefetchBatches(source, epoch, batchSize, capacity);
    }

    @Override
    public OptionalLong size() {
      return source.size();
    }
  }

  private record Failure(Throwable cause) {}

  private static final Object END = new Object();

  /** A thread reads the batches of the source into a bounded queue; the consumer takes them. */
  static final class PrefetchBatches implements Dataset.Batches {
    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private volatile boolean closed;
    private @Nullable Object next;

    PrefetchBatches(Dataset source, int epoch, int batchSize, int capacity) {
      queue = new ArrayBlockingQueue<>(capacity);
      thread = new Thread(() -> produce(source, epoch, batchSize), PREFETCH_THREAD + PREFETCH_THREADS.incrementAndGet());
      thread.setDaemon(true);
      thread.start();
    }

    private void produce(Dataset source, int epoch, int batchSize) {
      try {
        try (Dataset.Batches in = source.batches(epoch, batchSize)) {
          while (!closed && in.hasNext()) {
            queue.put(in.next());
          }
        }
        if (!closed) {
          queue.put(END);
        }
      } catch (InterruptedException e) {
        // closed by the consumer
      } catch (Throwable t) {
        if (!closed) {
          try {
            queue.put(new Failure(t));
          } catch (InterruptedException e) {
            // closed by the consumer
          }
        }
      }
    }

    @Override
    public boolean hasNext() {
      if (closed) {
        throw new IllegalStateException("these batches are closed");
      }
      if (next == null) {
        try {
          next = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the next batch", e);
        }
      }
      if (next instanceof Failure f) {
        Throwable cause = f.cause();
        throw new IllegalStateException("reading the data failed: " + cause.getMessage(), cause);
      }
      return next != END;
    }

    @Override
    public Batch next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Batch b = (Batch) next;
      next = null;
      return b;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      thread.interrupt();
      boolean interrupted = false;
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (thread.isAlive() && System.nanoTime() < deadline) {
        try {
          thread.join(100);
        } catch (InterruptedException e) {
          interrupted = true;
        }
        thread.interrupt();
      }
      queue.clear();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
