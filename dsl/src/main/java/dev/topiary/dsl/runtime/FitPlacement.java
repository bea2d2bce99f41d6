package dev.topiary.dsl.runtime;

import dev.topiary.dsl.training.Fit;
import org.jspecify.annotations.Nullable;

/**
 * Where one fit trains, opened by the fit's {@code Distribution} from the model's own executor and
 * closed when the fit ends. A local fit trains on the model's executor itself; a multi-worker one on
 * replicas that start from the model's state and hand the trained state back when the fit ends
 * normally ({@link #commit()}). During the fit, the callbacks, validation and checkpoints reach the
 * placement's {@link #executor()} (the model they are given is bound to it).
 *
 * <p>A new kind of distribution is a {@code Distribution} whose placement returns its own
 * {@link Executor}; the fit loop needs nothing else.
 */
@FunctionalInterface
public interface FitPlacement extends AutoCloseable {
  /** Where the fit's steps, and every call on the model during the fit, run. */
  Executor executor();

  /**
   * The data this placement reads itself for {@code fit} (workers that read their own data), with
   * {@code seed} for its shuffling, or null when the fit brings its data.
   */
  default @Nullable TrainingData ownData(Fit fit, long seed) {
    return null;
  }

  /** The fit ended normally: the model's own executor takes the trained state. */
  default void commit() {}

  /** The fit ended, normally or not: frees what the placement started. */
  @Override
  default void close() {}
}
