package dev.topiary.dsl.pruning;

import dev.topiary.ops.mask.MaskStrategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link Sensitivity#run} measured: per layer, the metric's drop when that layer alone is
 * pruned one-shot at each grid sparsity (positive = worse than the unpruned model).
 *
 * @param metric the log key compared
 * @param baseline its value for the unpruned model
 * @param layers one curve per analysed layer, in model order
 */
public record SensitivityReport(String metric, double baseline, List<LayerCurve> layers) {

  /**
   * One measurement.
   *
   * @param sparsity the sparsity each of the layer's prunable weights was masked at
   * @param pruned how many of the layer's weights the masks zeroed (ties are kept, as in training)
   * @param value the metric with that layer pruned
   * @param drop how much worse than the baseline (negative: better)
   */
  public record Point(double sparsity, long pruned, double value, double drop) {}

  /**
   * One layer's curve.
   *
   * @param layer the layer's name
   * @param weights its prunable weights by variable name, with their sizes
   * @param points one per grid sparsity, ascending
   */
  public record LayerCurve(String layer, Map<String, Long> weights, List<Point> points) {
    public LayerCurve {
      weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
      points = List.copyOf(points);
    }

    /** How many prunable weights the layer holds. */
    public long size() {
      return weights.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  public SensitivityReport {
    layers = List.copyOf(layers);
  }

  /** The curve of {@code layer}. */
  public LayerCurve layer(String layer) {
    return layers.stream().filter(c -> c.layer().equals(layer)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("no layer '" + layer + "' in this sensitivity report; layers: "
            + layers.stream().map(LayerCurve::layer).toList()));
  }

  /** The measured drop of {@code layer} at grid sparsity {@code sparsity}. */
  public double drop(String layer, double sparsity) {
    return layer(layer).points().stream().filter(p -> p.sparsity() == sparsity).findFirst().orElseThrow(() ->
        new IllegalArgumentException(sparsity + " is not on the grid of layer '" + layer + "'")).drop();
  }

  /**
   * Per-layer targets that reach {@code total} sparsity over all analysed weights with the least
   * predicted drop. The prediction is each layer's measured curve (drop against pruned count,
   * starting at (0, 0)), made convex (its lower hull, what a Lagrangian allocation sees); the
   * segments of all layers are taken cheapest drop-per-weight first until the group prunes exactly
   * {@code N - keepCount(N, total)} weights, the last one in part. Each layer's count becomes a
   * sparsity whose per-tensor keep count ({@link MaskStrategy#keepCount}) gives it exactly (for a
   * layer with several prunable weights, as close as the per-tensor rounding allows; the difference
   * is moved to single-weight layers when there are any).
   *
   * @throws IllegalArgumentException if {@code total} is outside [0, 1) or beyond what the grid reaches
   */
  public SensitivityTargets targets(double total) {
    if (!(total >= 0 && total < 1)) {
      throw new IllegalArgumentException("total sparsity must be in [0, 1), got " + total);
    }
    long size = layers.stream().mapToLong(LayerCurve::size).sum();
    long toPrune = size - MaskStrategy.keepCount(size, (float) total);
    List<Segment> segments = new ArrayList<>();
    long reachable = 0;
    for (int j = 0; j < layers.size(); j++) {
      List<double[]> hull = hull(layers.get(j));
      for (int i = 1; i < hull.size(); i++) {
        double[] a = hull.get(i - 1);
        double[] b = hull.get(i);
        segments.add(new Segment(j, (long) a[0], (long) b[0], (b[1] - a[1]) / (b[0] - a[0])));
      }
      reachable += (long) hull.get(hull.size() - 1)[0];
    }
    if (toPrune > reachable) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "total sparsity %s needs %d of the %d weights pruned"
          + " but the grid reaches at most %d (%.4f); add higher sparsities to the grid", total, toPrune, size,
          reachable, (double) reachable / size));
    }
    // Stable: equal slopes keep layer order, and within a layer the hull's slopes strictly increase.
    segments.sort(Comparator.comparingDouble(Segment::slope));
    long[] pruned = new long[layers.size()];
    long left = toPrune;
    for (Segment s : segments) {
      if (left == 0) {
        break;
      }
      long take = Math.min(left, s.to() - s.from());
      pruned[s.layer()] += take;
      left -= take;
    }
    return SensitivityTargets.of(this, total, size, pruned);
  }

  private record Segment(int layer, long from, long to, double slope) {}

  /** The lower convex hull of (0, 0) and the layer's (pruned, drop) points, by pruned count. */
  static List<double[]> hull(LayerCurve curve) {
    List<double[]> pts = new ArrayList<>();
    pts.add(new double[] {0, 0});
    for (Point p : curve.points()) {
      if (p.pruned() > pts.get(pts.size() - 1)[0]) {
        pts.add(new double[] {p.pruned(), p.drop()});
      }
    }
    List<double[]> hull = new ArrayList<>();
    for (double[] p : pts) {
      while (hull.size() >= 2 && cross(hull.get(hull.size() - 2), hull.get(hull.size() - 1), p) <= 0) {
        hull.remove(hull.size() - 1);
      }
      hull.add(p);
    }
    return hull;
  }

  private static double cross(double[] o, double[] a, double[] b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  }

  /** The predicted drop of {@code layer} with {@code pruned} of its weights pruned (on its hull). */
  public double predictedDrop(String layer, long pruned) {
    List<double[]> hull = hull(layer(layer));
    for (int i = 1; i < hull.size(); i++) {
      double[] a = hull.get(i - 1);
      double[] b = hull.get(i);
      if (pruned <= b[0]) {
        return a[1] + (b[1] - a[1]) * (pruned - a[0]) / (b[0] - a[0]);
      }
    }
    return hull.get(hull.size() - 1)[1];
  }

  /** The report as a text table: one row per layer, one column per grid sparsity (the drop). */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "sensitivity (%s drop; unpruned %s %.4f)%n", metric,
        metric, baseline));
    b.append(String.format(Locale.ROOT, "%-20s %10s", "layer", "weights"));
    for (Point p : layers.get(0).points()) {
      b.append(String.format(Locale.ROOT, " %8s", p.sparsity()));
    }
    b.append('\n');
    for (LayerCurve c : layers) {
      b.append(String.format(Locale.ROOT, "%-20s %10d", c.layer(), c.size()));
      for (Point p : c.points()) {
        b.append(String.format(Locale.ROOT, " %8.4f", p.drop()));
      }
      b.append('\n');
    }
    return b.toString();
  }
}
