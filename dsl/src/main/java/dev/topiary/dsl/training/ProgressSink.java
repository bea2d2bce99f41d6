package dev.topiary.dsl.training;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/** Where {@code fit} reports progress: a Keras-like line per epoch and, on a terminal, a live bar. */
public interface ProgressSink {

  default void epochStart(int epoch, int epochs, int batches) {}

  default void batchEnd(int batch, int batches, Map<String, Double> runningLogs) {}

  default void epochEnd(int epoch, int epochs, Map<String, Double> logs, Duration elapsed) {}

  /** Reports nothing. */
  static ProgressSink silent() {
    return new ProgressSink() {};
  }

  /** Keras-style lines on standard output; the live bar only when a terminal is attached. */
  static ProgressSink console() {
    return to(System.out, System.console() != null);
  }

  /** Keras-style lines to {@code out}; {@code liveBar} redraws a bar within each epoch. */
  static ProgressSink to(PrintStream out, boolean liveBar) {
    return new ProgressSink() {
      private long epochStart;

      @Override
      public void epochStart(int epoch, int epochs, int batches) {
        epochStart = System.nanoTime();
        out.printf("Epoch %d/%d%n", epoch + 1, epochs);
      }

      @Override
      public void batchEnd(int batch, int batches, Map<String, Double> runningLogs) {
        if (liveBar && (batch % 5 == 0 || batch + 1 == batches)) { // batches is -1 when not known yet
          out.print("\r" + bar(batch + 1, batches) + format(runningLogs));
          out.flush();
        }
      }

      @Override
      public void epochEnd(int epoch, int epochs, Map<String, Double> logs, Duration elapsed) {
        String time = String.format(Locale.ROOT, " - %.1fs", elapsed.toMillis() / 1000.0);
        out.println((liveBar ? "\r" : "") + "done" + time + format(logs));
      }
    };
  }

  private static String bar(int done, int total) {
    if (total <= 0) {
      return done + "/? "; // a dataset whose length is not known before its first pass
    }
    int width = 30;
    int filled = (int) ((long) done * width / Math.max(1, total));
    return String.format(Locale.ROOT, "%d/%d [%s%s] ", done, total, "=".repeat(filled), ".".repeat(width - filled));
  }

  private static String format(Map<String, Double> logs) {
    StringBuilder b = new StringBuilder();
    logs.forEach((k, v) -> b.append(String.format(Locale.ROOT, " - %s: %.4f", k, v)));
    return b.toString();
  }
}
