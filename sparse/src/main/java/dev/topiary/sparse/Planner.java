package dev.topiary.sparse;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.matrix.Matrices;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Chooses each kernel's format (override, calibration or rule of thumb) and keeps one matrix per weight. */
final class Planner {
  /** Time spent timing one candidate at one batch size, at most. */
  private static final long BUDGET_NANOS = 30_000_000L;

  private final SparseOptions options;
  private final Exec exec;
  private final Map<String, WeightMatrix> matrices = new HashMap<>();
  private final Map<String, WeightPlan> plans = new LinkedHashMap<>();

  Planner(SparseOptions options, Exec exec) {
    this.options = options;
    this.exec = exec;
  }

  WeightMatrix matrix(String variable, String layer, float[] kernel, int in, int out, int rowsPerExample) {
    WeightMatrix cached = matrices.get(variable);
    if (cached != null) {
      return cached;
    }
    Matrices.Pattern p = Matrices.Pattern.of(kernel, in, out);
    Format fixed = options.formatFor(variable, layer);
    WeightMatrix m;
    String reason;
    Map<Format, Double> ratios = new EnumMap<>(Format.class);
    if (fixed != null) {
      m = Matrices.build(fixed, kernel, in, out, "weight '" + variable + "'");
      reason = "override";
    } else if (options.calibrates()) {
      m = calibrate(variable, kernel, p, rowsPerExample, ratios);
      reason = "calibrated";
    } else {
      m = Matrices.build(Matrices.heuristic(p, options.int8()), kernel, in, out, "weight '" + variable + "'");
      reason = "heuristic";
    }
    matrices.put(variable, m);
    plans.put(variable, new WeightPlan(variable, layer, in, out, p.sparsity(), m.format(), reason, m.bytes(), Map.copyOf(ratios)));
    return m;
  }

  /** Times every candidate at each calibration batch; keeps the lowest geometric mean ratio to dense. */
  private WeightMatrix calibrate(String variable, float[] kernel, Matrices.Pattern p, int rowsPerExample,
      Map<Format, Double> ratios) {
    List<Format> candidates = Matrices.candidates(p, options.int8());
    int[] batches = options.calibrationBatches();
    double[] denseTimes = null;
    WeightMatrix best = null;
    double bestScore = Double.POSITIVE_INFINITY;
    for (Format f : candidates) {
      WeightMatrix m = Matrices.build(f, kernel, p.in(), p.out(), "weight '" + variable + "'");
      double[] t = new double[batches.length];
      for (int b = 0; b < batches.length; b++) {
        int rows = (int) Math.min(Integer.MAX_VALUE / Math.max(1, Math.max(p.in(), p.out())),
            (long) batches[b] * rowsPerExample);
        t[b] = Math.max(1, Matrices.time(m, exec, Math.max(1, rows), BUDGET_NANOS));
      }
      if (denseTimes == null) {
        denseTimes = t; // DENSE is always the first candidate
      }
      double logSum = 0;
      for (int b = 0; b < batches.length; b++) {
        logSum += Math.log(t[b] / denseTimes[b]);
      }
      double score = Math.exp(logSum / batches.length);
      ratios.put(f, score);
      if (score < bestScore) {
        bestScore = score;
        best = m;
      }
    }
    return best;
  }

  List<WeightPlan> plans() {
    return new ArrayList<>(plans.values());
  }

  Map<String, WeightMatrix> matrices() {
    return Map.copyOf(matrices);
  }

  long bytes() {
    return matrices.values().stream().mapToLong(WeightMatrix::bytes).sum();
  }
}
