package dev.topiary.sparse;

import java.util.Map;

/**
 * How one kernel of a sparse model is stored: its variable and layer, shape {@code [in, out]}, measured
 * sparsity, the chosen format and why ({@code override}, {@code calibrated} or {@code heuristic}), its bytes,
 * and for a calibrated choice each candidate's time relative to dense (geometric mean over the calibration
 * batches; below 1 is faster).
 */
public record WeightPlan(String variable, String layer, int in, int out, double sparsity, Format format, String reason,
    long bytes, Map<Format, Double> timeVsDense) {
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(String.format(java.util.Locale.ROOT, "%s [%d, %d] %.1f%% zeros: %s (%s, %d bytes)",
        variable, in, out, 100 * sparsity, format, reason, bytes));
    if (!timeVsDense.isEmpty()) {
      s.append(" times vs dense:");
      timeVsDense.forEach((f, r) -> s.append(String.format(java.util.Locale.ROOT, " %s %.2f", f, r)));
    }
    return s.toString();
  }
}
