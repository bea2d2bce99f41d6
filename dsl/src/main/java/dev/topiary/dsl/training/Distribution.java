package dev.topiary.dsl.training;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.distributed.MultiWorker;
import dev.topiary.dsl.runtime.Executor;
import dev.topiary.dsl.runtime.FitPlacement;
import java.util.List;

/**
 * Where training runs: this process ({@link #local()}) or synchronous data-parallel training on TF
 * servers started with {@code dev.topiary.dsl.distributed.Worker} ({@link #multiWorker}). A
 * distribution places each fit ({@link #place}): it gives the executor the fit trains on, so a new
 * kind (another cluster runtime, a device placement) is a class of its own and the fit loop is the
 * same for every kind.
 */
public interface Distribution {

  /**
   * Where one fit of a model of {@code spec}, compiled with {@code compile}, trains; {@code local} is
   * the model's own executor, which holds its state before and after the fit.
   */
  FitPlacement place(ModelSpec spec, Compile compile, Executor local);

  /** One process, this machine (the default). */
  static Distribution local() {
    return Local.INSTANCE;
  }

  /**
   * Synchronous data-parallel training over the TF servers at {@code workers} (host:port, in task
   * order, exactly as each worker was started with {@code --cluster}); the fit's batch size is the
   * global batch, split over the workers.
   */
  static MultiWorker multiWorker(List<String> workers) {
    return MultiWorker.of(workers);
  }

  /** {@link #multiWorker(List)} from {@code host:port} strings. */
  static MultiWorker multiWorker(String... workers) {
    return multiWorker(List.of(workers));
  }

  /** The default: the fit trains on the model's own executor. */
  final class Local implements Distribution {
    static final Local INSTANCE = new Local();

    private Local() {}

    @Override
    public FitPlacement place(ModelSpec spec, Compile compile, Executor local) {
      return () -> local;
    }

    @Override
    public String toString() {
      return "local";
    }
  }
}
