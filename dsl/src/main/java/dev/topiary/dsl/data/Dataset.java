package dev.topiary.dsl.data;

import java.util.Iterator;
import java.util.OptionalLong;

/**
 * Data that streams to {@code fit}, {@code evaluate} and {@code predict} in batches, so it never has
 * to fit in memory at once: examples from arrays, generators or files, shuffled, mapped, batched
 * and prefetched in the background.
 *
 * <p>The contract the runtime relies on: {@link #batches(int, int)} gives the batches of one pass;
 * the same {@code epoch} gives the same batches in the same order (shuffles are seeded by the
 * dataset's seed and the epoch), so a fit resumed from a checkpoint sees exactly the batches an
 * uninterrupted one would.
 */
public interface Dataset {

  /**
   * The batches of one pass over the data. {@code batchSize} applies unless the dataset was batched
   * explicitly. Close the iterator when done (it may hold files and background threads).
   */
  Batches batches(int epoch, int batchSize);

  /** The number of examples of one pass, when known without reading the data. */
  default OptionalLong size() {
    return OptionalLong.empty();
  }

  /** An iterator over batches that holds resources until closed. */
  interface Batches extends Iterator<Batch>, AutoCloseable {
    @Override
    void close();
  }
}
