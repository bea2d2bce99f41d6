package dev.topiary.dsl.pruning;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.mask.MaskStrategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Sensitivity analysis settings (immutable): for a trained model, each chosen layer's prunable
 * weights are pruned alone, one-shot (no fine-tuning), at every sparsity of the grid, and the model
 * is evaluated on validation data; the {@link SensitivityReport} holds the metric's drop per layer
 * and sparsity and derives per-layer targets for a total sparsity ({@link SensitivityReport#targets}).
 *
 * <p>Masks are computed in plain Java ({@link MaskStrategy#host}) and loaded with
 * {@link Model#setWeights}; the model's state is put back from a {@link Snapshot} at the end, so
 * the model is unchanged afterwards and no op is added to its graph.
 *
 * @param grid the sparsities tried per layer, each in (0, 1), ascending
 * @param metric the evaluation log key compared ({@code "loss"} or a metric such as {@code "accuracy"})
 * @param policy which layers with prunable weights are analysed
 * @param strategy how a layer's weights are masked at a sparsity (magnitude: the per-tensor rule)
 */
public record Sensitivity(List<Double> grid, String metric, PruningPolicy policy, MaskStrategy strategy) {

  /** The default grid: dense enough at high sparsity, where layers differ most. */
  public static final List<Double> DEFAULT_GRID =
      List.of(0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99);

  public Sensitivity {
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(strategy, "strategy");
    grid = List.copyOf(grid);
    if (grid.isEmpty()) {
      throw new IllegalArgumentException("the sensitivity grid needs at least one sparsity");
    }
    for (int i = 0; i < grid.size(); i++) {
      double s = grid.get(i);
      if (!(s > 0 && s < 1)) {
        throw new IllegalArgumentException("sensitivity grid sparsity " + s + " is outside (0, 1)");
      }
      if (i > 0 && s <= grid.get(i - 1)) {
        throw new IllegalArgumentException("the sensitivity grid must be strictly ascending, got " + grid);
      }
    }
  }

  /** The default grid, the loss, every prunable layer, magnitude masks. */
  public static Sensitivity defaults() {
    return new Sensitivity(DEFAULT_GRID, "loss", PruningPolicy.all(), MaskStrategy.magnitude());
  }

  public Sensitivity grid(double... sparsities) {
    return new Sensitivity(Arrays.stream(sparsities).boxed().toList(), metric, policy, strategy);
  }

  /** The log key compared: {@code "loss"} (lower is better) or a metric (higher is better). */
  public Sensitivity metric(String metric) {
    return new Sensitivity(grid, metric, policy, strategy);
  }

  public Sensitivity layers(PruningPolicy policy) {
    return new Sensitivity(grid, metric, policy, strategy);
  }

  public Sensitivity strategy(MaskStrategy strategy) {
    return new Sensitivity(grid, metric, policy, strategy);
  }

  /** Whether a larger value of {@code metric} is better (every metric but a loss). */
  static boolean higherIsBetter(String metric) {
    return !(metric.equals("loss") || metric.endsWith("_loss"));
  }

  /** {@link #defaults()} on {@code model} with {@code validation}. */
  public static SensitivityReport analyze(Model model, Dataset validation) {
    return defaults().run(model, validation);
  }

  /**
   * Prunes each chosen layer alone at each grid sparsity and evaluates {@code model} on
   * {@code validation}; restores the model's state afterwards (also on failure).
   *
   * @throws IllegalArgumentException if the policy chooses no layer with prunable weights, or the
   *     evaluation does not report {@link #metric()} (naming the keys it reports)
   */
  public SensitivityReport run(Model model, Dataset validation) {
    ModelSpec spec = model.spec();
    List<Layer> candidates = spec.layers().stream().filter(l -> !l.prunableWeights().isEmpty()).toList();
    List<Layer> chosen = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      Layer l = candidates.get(i);
      if (policy.shouldPrune(l, spec.layerName(l), i, candidates.size())) {
        chosen.add(l);
      }
    }
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("sensitivity analysis: no layer with prunable weights chosen; prunable layers: "
          + candidates.stream().map(spec::layerName).toList());
    }
    Snapshot before = model.snapshot();
    try {
      Map<String, HostArray> weights = model.weights();
      Map<String, Double> baseline = model.evaluate(validation);
      double base = value(baseline, "the unpruned model");
      boolean higher = higherIsBetter(metric);
      List<SensitivityReport.LayerCurve> curves = new ArrayList<>();
      for (Layer layer : chosen) {
        String name = spec.layerName(layer);
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (WeightSpec w : spec.weights(layer)) {
          if (layer.prunableWeights().contains(w.name())) {
            sizes.put(spec.variableName(layer, w.name()), w.shape().size());
          }
        }
        List<SensitivityReport.Point> points = new ArrayList<>();
        for (double s : grid) {
          Map<String, HostArray> pruned = new LinkedHashMap<>(weights);
          long prunedCount = 0;
          for (String variable : sizes.keySet()) {
            HostArray w = weights.get(variable);
            HostMask mask = strategy.host(w.floats(), w.shape(), (float) s);
            prunedCount += sizes.get(variable) - mask.keptCount();
            pruned.put(variable, HostArray.of(mask.apply(w.floats()), w.shape()));
          }
          model.setWeights(pruned);
          double v = value(model.evaluate(validation), "layer '" + name + "' at sparsity " + s);
          points.add(new SensitivityReport.Point(s, prunedCount, v, higher ? base - v : v - base));
        }
        model.setWeights(weights);
        curves.add(new SensitivityReport.LayerCurve(name, sizes, points));
      }
      return new SensitivityReport(metric, base, curves);
    } finally {
      model.restore(before);
    }
  }

  private double value(Map<String, Double> logs, String what) {
    Double v = logs.get(metric);
    if (v == null) {
      throw new IllegalArgumentException("sensitivity analysis: the evaluation of " + what + " reports no '" + metric
          + "'; it reports " + logs.keySet());
    }
    return v;
  }
}
