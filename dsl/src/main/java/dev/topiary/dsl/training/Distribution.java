package dev.topiary.dsl.training;

import java.util.List;

/**
 * Where training runs. Only {@link #local()} is implemented in this version; the multi-worker
 * strategy is declared so that the compatibility rule can be enforced: like TF Model Optimization's
 * {@code tf.distribute} support, distributed training requires graph execution.
 */
public sealed interface Distribution permits Distribution.Local, Distribution.MultiWorker {

  /** One process, this machine (the default). */
  static Distribution local() {
    return Local.INSTANCE;
  }

  /** Synchronous data-parallel training over TF servers at {@code workers} (host:port). */
  static Distribution multiWorker(List<String> workers) {
    return new MultiWorker(List.copyOf(workers));
  }

  final class Local implements Distribution {
    static final Local INSTANCE = new Local();

    private Local() {}

    @Override
    public String toString() {
      return "local";
    }
  }

  record MultiWorker(List<String> workers) implements Distribution {
    public MultiWorker {
      if (workers.isEmpty()) {
        throw new IllegalArgumentException("a multi-worker strategy needs at least one worker address");
      }
    }
  }
}
