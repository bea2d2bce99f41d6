package dev.topiary.dsl.data;

import java.util.OptionalLong;

/**
 * A dataset that is another one under a friendlier type (file readers with settings): batches, size and
 * every transform are the delegate's, with no extra copying.
 */
public abstract class ForwardingDataset implements Dataset {

  /** The dataset this one stands for (made anew for each call, or cached: it must not change). */
  protected abstract Dataset delegate();

  @Override
  public Batches batches(int epoch, int batchSize) {
    return delegate().batches(epoch, batchSize);
  }

  @Override
  public OptionalLong size() {
    return delegate().size();
  }
}
