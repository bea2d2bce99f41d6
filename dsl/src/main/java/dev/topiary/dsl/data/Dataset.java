package dev.topiary.dsl.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Data that streams to {@code fit}, {@code evaluate} and {@code predict} in batches, so it never has
 * to fit in memory at once: examples from arrays, generators or files, shuffled, mapped, batched
 * and prefetched in the background.
 *
 * <p>The contract the runtime relies on: {@link #batches(int, int)} gives the batches of one pass;
 * the same {@code epoch} gives the same batches in the same order (shuffles are seeded by the
 * dataset's seed and the epoch), so a fit resumed from a checkpoint sees exactly the batches an
 * uninterrupted one would.
 *
 * <p>Sources: {@link #of} (arrays), {@link #named} (inputs and outputs by name), {@link #fromGenerator}
 * (examples made on the fly, for data larger than memory), and the file formats of
 * {@code dev.topiary.dsl.data.io} (IDX, CSV, TFRecord, image folders). Transforms return new datasets and
 * apply in this order: the example transforms ({@link #shuffle}, {@link #map}, {@link #augment},
 * {@link #take}, {@link #skip}, {@link #shard}), then {@link #batch} (optional: otherwise the batch size of {@code fit} applies),
 * then {@link #prefetch}.
 */
public interface Dataset {

  /**
   * The batches of one pass over the data. {@code batchSize} applies unless the dataset was batched
   * explicitly. Close the iterator when done (it may hold files and background threads).
   */
  Batches batches(int epoch, int batchSize);

  /**
   * This dataset as one batch of arrays when it is plain arrays in memory ({@link #of(HostArray,
   * HostArray)}, {@link #named(java.util.Map, java.util.Map)} and the other array sources, not
   * transformed), else null. {@code fit} treats such a dataset as Keras treats arrays: shuffled by
   * {@code Fit}'s settings, with {@code Fit}'s validation split; any other dataset orders itself.
   */
  default @org.jspecify.annotations.Nullable Batch asArrays() {
    return null;
  }

  /** The number of examples of one pass, when known without reading the data. */
  default OptionalLong size() {
    return OptionalLong.empty();
  }

  /** An iterator over batches that holds resources until closed. */
  interface Batches extends Iterator<Batch>, AutoCloseable {
    @Override
    void close();
  }

  /** What {@link #batch(int, Remainder)} does with the last examples when they do not fill a batch. */
  enum Remainder {
    /** The last batch may be short. */
    KEEP,
    /** A short last batch is dropped: every batch has the same size. */
    DROP
  }

  // ---- sources -------------------------------------------------------------------------------

  /** Features {@code x} and labels {@code y} (int class indices or float targets), first dimension: examples. */
  static Dataset of(HostArray x, HostArray y) {
    return of(List.of(x), List.of(y));
  }

  /** Features only, for {@code predict}. */
  static Dataset of(HostArray x) {
    return of(List.of(x), List.of());
  }

  /** One array per model input and per model output, matched by position. */
  static Dataset of(List<HostArray> inputs, List<HostArray> labels) {
    return new Pipelines.ArrayDataset(inputs, labels, null, null, null);
  }

  /** As {@link #of(List, List)} with a float weight per example (shape [examples]). */
  static Dataset of(List<HostArray> inputs, List<HostArray> labels, HostArray sampleWeights) {
    return new Pipelines.ArrayDataset(inputs, labels, sampleWeights, null, null);
  }

  /** Arrays by the model's input and output names (Keras' dict inputs); {@code labels} empty for predict. */
  static Dataset named(Map<String, HostArray> inputs, Map<String, HostArray> labels) {
    return new Pipelines.ArrayDataset(new ArrayList<>(inputs.values()), new ArrayList<>(labels.values()), null,
        new ArrayList<>(inputs.keySet()), new ArrayList<>(labels.keySet()));
  }

  /** Features by the model's input names, for {@code predict}. */
  static Dataset named(Map<String, HostArray> inputs) {
    return named(inputs, Map.of());
  }

  /** Features of shape [n, d] and class indices. */
  static Dataset of(float[][] x, int[] y) {
    return of(HostArrays.of(x), HostArrays.labels(y));
  }

  /** Features of shape [n, d] and class indices (each within the int range). */
  static Dataset of(float[][] x, long[] y) {
    return of(HostArrays.of(x), HostArrays.labels(y));
  }

  /** Features of shape [n, d] and float targets of shape [n, k]. */
  static Dataset of(float[][] x, float[][] y) {
    return of(HostArrays.of(x), HostArrays.targets(y));
  }

  /** Features of shape [n, d], for {@code predict}. */
  static Dataset of(float[][] x) {
    return of(HostArrays.of(x));
  }

  /** Features of shape [n, a, b] (images, sequences) and class indices. */
  static Dataset of(float[][][] x, int[] y) {
    return of(HostArrays.of(x), HostArrays.labels(y));
  }

  /** Features of shape [n, a, b] and class indices (each within the int range). */
  static Dataset of(float[][][] x, long[] y) {
    return of(HostArrays.of(x), HostArrays.labels(y));
  }

  /** Features of shape [n, a, b] and float targets of shape [n, k]. */
  static Dataset of(float[][][] x, float[][] y) {
    return of(HostArrays.of(x), HostArrays.targets(y));
  }

  /** Features of shape [n, a, b], for {@code predict}. */
  static Dataset of(float[][][] x) {
    return of(HostArrays.of(x));
  }

  /** Double features of shape [n, d] (narrowed to float) and class indices. */
  static Dataset of(double[][] x, int[] y) {
    return of(HostArrays.of(x), HostArrays.labels(y));
  }

  /** Double features of shape [n, d] (narrowed to float) and class indices (each within the int range). */
  static Dataset of(double[][] x, long[] y) {
    return of(HostArrays.of(x), HostArrays.labels(y));
  }

  /** Double features of shape [n, d] and float targets of shape [n, k]. */
  static Dataset of(double[][] x, float[][] y) {
    return of(HostArrays.of(x), HostArrays.targets(y));
  }

  /** Double features of shape [n, d] and double targets of shape [n, k] (both narrowed to float). */
  static Dataset of(double[][] x, double[][] y) {
    return of(HostArrays.of(x), HostArrays.of(y));
  }

  /** Double features of shape [n, d], for {@code predict}. */
  static Dataset of(double[][] x) {
    return of(HostArrays.of(x));
  }

  /**
   * Examples made on the fly, for data larger than memory: {@code generator} is asked for a new
   * iterator at every pass (every epoch), which must give the same examples each time for the
   * dataset's contract to hold (shuffle with {@link #shuffle}, not in the generator). An iterator that
   * is {@link AutoCloseable} is closed with the batches.
   */
  static Dataset fromGenerator(Supplier<? extends Iterator<Example>> generator) {
    return new Pipelines.GeneratorDataset(generator, OptionalLong.empty());
  }

  /** As {@link #fromGenerator(Supplier)}, with the number of examples of one pass known. */
  static Dataset fromGenerator(Supplier<? extends Iterator<Example>> generator, long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size);
    }
    return new Pipelines.GeneratorDataset(generator, OptionalLong.of(size));
  }

  /**
   * Items of each epoch (file names, raw records) made into examples by {@code toExample} on {@code threads}
   * threads, in the items' order: expensive decoding (images) runs in parallel while reading stays
   * sequential, and the examples' order does not depend on the threads. {@code items} is asked for the
   * items of every epoch (an epoch-dependent order is a shuffle). {@code toExample} returning null drops
   * the item (the caller counts what it drops); an exception it throws is thrown by the batches, as is.
   */
  static <T> Dataset fromItems(java.util.function.IntFunction<? extends Iterator<? extends T>> items,
      Function<? super T, ? extends @org.jspecify.annotations.Nullable Example> toExample, int threads, OptionalLong size) {
    return new Pipelines.ItemDataset<>(items, toExample, threads, size);
  }

  /** A fixed list of examples (small data, tests). */
  static Dataset fromExamples(List<Example> examples) {
    List<Example> copy = List.copyOf(examples);
    return new Pipelines.GeneratorDataset(copy::iterator, OptionalLong.of(copy.size()));
  }

  // ---- transforms ----------------------------------------------------------------------------

  /**
   * The examples in a random order, as tf.data shuffles: a buffer of {@code buffer} examples from which
   * the next is drawn at random and refilled from the data; a buffer at least the data's size gives a
   * uniform shuffle. The order depends on {@code seed} and the epoch only: the same for the same epoch,
   * different from epoch to epoch.
   */
  default Dataset shuffle(int buffer, long seed) {
    if (buffer <= 0) {
      throw new IllegalArgumentException("the shuffle buffer must hold at least one example, got " + buffer);
    }
    Pipelines.requireExampleLevel(this, "shuffle");
    if (Pipelines.unwrap(this) instanceof Pipelines.ArrayDataset a) {
      return a.reorder((epoch, idx) -> Pipelines.shuffleIndices(idx, buffer, seed, epoch), a.size);
    }
    return new Pipelines.Shuffled(this, buffer, seed);
  }

  /** Every example through {@code f} (preprocessing in Java, run while batches are made). */
  default Dataset map(Function<Example, Example> f) {
    Pipelines.requireExampleLevel(this, "map");
    return new Pipelines.Mapped(this, f);
  }

  /**
   * As {@link #map(Function)} on {@code threads} threads (tf.data's {@code num_parallel_calls}): the examples
   * keep their order, so everything seeded after it is the same whatever the threads. {@code f} must be
   * safe to call from several threads.
   */
  default Dataset map(Function<Example, Example> f, int threads) {
    Pipelines.requireExampleLevel(this, "map");
    return threads == 1 ? new Pipelines.Mapped(this, f) : new Pipelines.ParallelMapped(this, f, threads);
  }

  /**
   * Random image augmentation of the first input ({@link ImageAugmentation}): each example's draws depend
   * on the augmentation's seed, the epoch and the example's position in the pass only, so the same epoch
   * gives the same images and different epochs differ. Put it after {@link #shuffle}, on the training data.
   */
  default Dataset augment(ImageAugmentation augmentation) {
    return augment(augmentation, 1);
  }

  /** As {@link #augment(ImageAugmentation)} on {@code threads} threads (the same images whatever the threads). */
  default Dataset augment(ImageAugmentation augmentation, int threads) {
    Pipelines.requireExampleLevel(this, "augment");
    return new Pipelines.Augmented(this, augmentation, threads);
  }

  /** The first {@code n} examples. */
  default Dataset take(long n) {
    return select(0, 1, n, "take");
  }

  /** All but the first {@code n} examples. */
  default Dataset skip(long n) {
    return select(n, 1, Long.MAX_VALUE, "skip");
  }

  /**
   * Every {@code count}-th example starting at {@code index}: one of {@code count} disjoint parts that
   * together hold every example once (a worker's share in distributed training).
   */
  default Dataset shard(int count, int index) {
    if (count <= 0 || index < 0 || index >= count) {
      throw new IllegalArgumentException("shard " + index + " of " + count + ": need 0 <= index < count");
    }
    return select(index, count, Long.MAX_VALUE, "shard");
  }

  private Dataset select(long skip, long step, long limit, String transform) {
    if (skip < 0 || limit < 0) {
      throw new IllegalArgumentException(transform + " needs a count >= 0, got " + (skip < 0 ? skip : limit));
    }
    Pipelines.requireExampleLevel(this, transform);
    if (Pipelines.unwrap(this) instanceof Pipelines.ArrayDataset a) {
      return a.reorder(idx -> Pipelines.Selected.select(idx, skip, step, limit),
          (int) Pipelines.Selected.count(a.size, skip, step, limit));
    }
    return new Pipelines.Selected(this, skip, step, limit);
  }

  /** Batches of {@code size} whatever batch size {@code fit} is given; the last one may be short. */
  default Dataset batch(int size) {
    return batch(size, Remainder.KEEP);
  }

  /** Batches of {@code size} whatever batch size {@code fit} is given; {@code remainder}: keep or drop a short last batch. */
  default Dataset batch(int size, Remainder remainder) {
    Pipelines.requireExampleLevel(this, "batch");
    return new Pipelines.Batched(this, size, remainder);
  }

  /**
   * Batches made ahead by a background thread, up to {@code batches} of them, so the next batch is ready
   * when a step ends. Errors of the thread are thrown by the consumer's {@code hasNext} with their cause;
   * closing the batches stops the thread.
   */
  default Dataset prefetch(int batches) {
    return new Pipelines.Prefetched(this, batches);
  }

  /** The examples of one pass in order (for inspection and tests; closes when exhausted or closed). */
  default List<Example> examples(int epoch) {
    List<Example> out = new ArrayList<>();
    try (Pipelines.ExampleIterator it = Pipelines.examplesOf(this, epoch)) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  /** The batches of one pass, read into a list (for inspection and tests). */
  default List<Batch> toList(int epoch, int batchSize) {
    List<Batch> out = new ArrayList<>();
    try (Batches b = batches(epoch, batchSize)) {
      b.forEachRemaining(out::add);
    }
    return out;
  }
}
