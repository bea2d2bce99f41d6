package dev.topiary.sparse;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.matrix.Matrices;
import dev.topiary.sparse.matrix.StepMatrix;
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
  private final Map<String, dev.topiary.sparse.matrix.RowTable> tables = new HashMap<>();

  Planner(SparseOptions options, Exec exec) {
    this.options = options;
    this.exec = exec;
  }

  WeightMatrix matrix(String variable, String layer, float[] kernel, int in, int out, int rowsPerExample) {
    return matrix(variable, layer, kernel, in, out, rowsPerExample, false);
  }

  /** A kernel multiplied on channel-major planes ({@link dev.topiary.sparse.layers.Planes}): CSR rows. */
  WeightMatrix planeMatrix(String variable, String layer, float[] kernel, int in, int out) {
    WeightMatrix cached = matrices.get(variable);
    if (cached != null) {
      return cached;
    }
    Matrices.Pattern p = Matrices.Pattern.of(kernel, in, out);
    WeightMatrix m = Matrices.build(Format.CSR, kernel, in, out, "weight '" + variable + "'");
    matrices.put(variable, m);
    plans.put(variable, new WeightPlan(variable, layer, in, out, p.sparsity(), m.format(), "channel-major planes",
        m.bytes(), Map.of()));
    return m;
  }

  /** A matrix multiplied once per time step, one example or a transposed batch share (recurrent cells). */
  WeightMatrix stepMatrix(String variable, String layer, float[] kernel, int in, int out) {
    return matrix(variable, layer, kernel, in, out, 1, true);
  }

  private WeightMatrix matrix(String variable, String layer, float[] kernel, int in, int out, int rowsPerExample,
      boolean steps) {
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
      m = calibrate(variable, kernel, p, rowsPerExample, steps, ratios);
      reason = "calibrated";
    } else {
      m = Matrices.build(Matrices.heuristic(p, options.int8()), kernel, in, out, "weight '" + variable + "'");
      reason = "heuristic";
    }
    matrices.put(variable, m);
    if (m instanceof StepMatrix two) {
      reason += ", " + two.one().format() + " for one example";
    }
    plans.put(variable, new WeightPlan(variable, layer, in, out, p.sparsity(), m.format(), reason, m.bytes(), Map.copyOf(ratios)));
    return m;
  }

  /** Times every candidate at each calibration batch; keeps the lowest geometric mean ratio to dense. */
  private WeightMatrix calibrate(String variable, float[] kernel, Matrices.Pattern p, int rowsPerExample,
      boolean steps, Map<Format, Double> ratios) {
    dev.topiary.sparse.matrix.Warmup.ensure(exec);
    List<Format> candidates = new ArrayList<>(Matrices.candidates(p, options.int8()));
    if (!steps && (long) p.in() * p.out() >= TF_MIN_WEIGHTS) {
      // TF's MatMul beats the Java dense kernel on some CPUs at larger batches; per product it costs a
      // copy in and out, which small matrices do not amortize (and a recurrence would pay every step)
      candidates.add(Format.TF_DENSE);
    }
    List<WeightMatrix> built = new ArrayList<>();
    try {
      for (Format f : candidates) {
        built.add(Matrices.build(f, kernel, p.in(), p.out(), "weight '" + variable + "'"));
      }
      WeightMatrix chosen = choose(built, candidates, p, rowsPerExample, steps, ratios);
      // the candidates not kept may hold native memory (TF_DENSE)
      for (WeightMatrix m : built) {
        if (m != chosen && !(chosen instanceof StepMatrix two && (two.one() == m || two.shares() == m))) {
          m.close();
        }
      }
      return chosen;
    } catch (RuntimeException | Error e) {
      built.forEach(WeightMatrix::close);
      throw e;
    }
  }

  /** Weights from which a matrix is also timed in TF (TF_DENSE). */
  private static final long TF_MIN_WEIGHTS = 1L << 18;

  /** The calibrated choice among {@code built} (a StepMatrix of two of them for a step matrix). */
  private WeightMatrix choose(List<WeightMatrix> built, List<Format> candidates, Matrices.Pattern p,
      int rowsPerExample, boolean steps, Map<Format, Double> ratios) {
    int[] batches = options.calibrationBatches();
    int[] rows = new int[batches.length];
    for (int b = 0; b < batches.length; b++) {
      long limit = Math.max(1, (64L << 20) / 4 / Math.max(p.in(), p.out())); // inputs of at most 64 MB
      rows[b] = (int) Math.max(1, Math.min(limit, (long) batches[b] * rowsPerExample));
    }
    long[][] t = Matrices.bestTimes(built, exec, rows, steps, BUDGET_NANOS * candidates.size());
    boolean[] all = new boolean[batches.length];
    java.util.Arrays.fill(all, true);
    WeightMatrix best = built.get(best(t, all, ratios, candidates));
    if (!steps) {
      return best;
    }
    // A step matrix runs on one example or on transposed shares: the best format for each use, when the
    // calibration batches have both
    boolean[] single = new boolean[batches.length];
    boolean[] many = new boolean[batches.length];
    for (int b = 0; b < batches.length; b++) {
      single[b] = batches[b] == 1;
      many[b] = batches[b] > 1;
    }
    if (!contains(single) || !contains(many)) {
      return best;
    }
    WeightMatrix one = built.get(best(t, single, null, candidates));
    WeightMatrix shares = built.get(best(t, many, null, candidates));
    return one == shares ? one : new StepMatrix(one, shares);
  }

  private static boolean contains(boolean[] v) {
    for (boolean b : v) {
      if (b) {
        return true;
      }
    }
    return false;
  }

  /**
   * The candidate with the lowest geometric mean time ratio to dense (candidate 0) over the batches
   * {@code use} selects; each candidate's score into {@code ratios} when given.
   */
  private static int best(long[][] t, boolean[] use, Map<Format, Double> ratios, List<Format> candidates) {
    int best = 0;
    double bestScore = Double.POSITIVE_INFINITY;
    for (int c = 0; c < t.length; c++) {
      double logSum = 0;
      int n = 0;
      for (int b = 0; b < use.length; b++) {
        if (use[b]) {
          logSum += Math.log(Math.max(1, t[c][b]) / (double) Math.max(1, t[0][b]));
          n++;
        }
      }
      double score = Math.exp(logSum / n);
      if (ratios != null) {
        ratios.put(candidates.get(c), score);
      }
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }

  List<WeightPlan> plans() {
    return new ArrayList<>(plans.values());
  }

  dev.topiary.sparse.matrix.RowTable table(String variable, float[] values, int rows, int dim) {
    return tables.computeIfAbsent(variable, v -> new dev.topiary.sparse.matrix.RowTable(values, rows, dim));
  }

  Map<String, dev.topiary.sparse.matrix.RowTable> tables() {
    return Map.copyOf(tables);
  }

  Map<String, WeightMatrix> matrices() {
    return Map.copyOf(matrices);
  }

  long bytes() {
    return matrices.values().stream().mapToLong(WeightMatrix::bytes).sum()
        + tables.values().stream().mapToLong(dev.topiary.sparse.matrix.RowTable::bytes).sum();
  }
}
