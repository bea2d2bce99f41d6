package dev.topiary.dsl.distributed;

/**
 * A multi-worker fit stopped because a worker failed or became unreachable. TF's collective runtime
 * on the surviving workers is aborted by such a failure for the life of their processes ("Restart
 * your program to reset"): restart every worker, then resume from the chief's last checkpoint with
 * {@code Fit.resumeFrom}.
 */
public final class WorkerFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int worker;
  private final String address;

  WorkerFailedException(int worker, String address, String message, Throwable cause) {
    super(message, cause);
    this.worker = worker;
    this.address = address;
  }

  /** The failed worker's task index. */
  public int worker() {
    return worker;
  }

  /** The failed worker's host:port. */
  public String address() {
    return address;
  }
}
