package dev.topiary.dsl.pruning;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.PruningSchedule;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Per-layer target sparsities derived from a {@link SensitivityReport} for a total sparsity.
 *
 * @param total the requested total sparsity over the analysed weights
 * @param size how many weights the analysed layers hold
 * @param sparsity each layer's target, by layer name (0 for a layer left dense)
 * @param kept how many weights each layer keeps at its target (the per-tensor rule, summed)
 * @param predictedDrop each layer's predicted drop at its target (from its measured curve)
 */
public record SensitivityTargets(double total, long size, Map<String, Double> sparsity, Map<String, Long> kept,
    Map<String, Double> predictedDrop) {

  public SensitivityTargets {
    sparsity = Collections.unmodifiableMap(new LinkedHashMap<>(sparsity));
    kept = Collections.unmodifiableMap(new LinkedHashMap<>(kept));
    predictedDrop = Collections.unmodifiableMap(new LinkedHashMap<>(predictedDrop));
  }

  /** How many weights all layers keep at their targets. */
  public long totalKept() {
    return kept.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The sparsity the targets give over all analysed weights. */
  public double achievedSparsity() {
    return 1 - (double) totalKept() / size;
  }

  /**
   * {@code spec} with each analysed layer marked {@code .prunable(schedule.apply(target))}; a layer
   * whose target is 0 stays as it is. Layers already marked are re-marked with their target.
   */
  public ModelSpec applyTo(ModelSpec spec, DoubleFunction<PruningSchedule> schedule) {
    Map<String, PruningSpec> specs = new LinkedHashMap<>();
    sparsity.forEach((layer, target) -> {
      spec.layer(layer); // fails naming the model's layers if the report is of another model
      if (target > 0) {
        specs.put(layer, PruningSpec.of(schedule.apply(target)));
      }
    });
    return spec.mapLayers(l -> {
      PruningSpec p = specs.get(spec.layerName(l));
      return p == null ? l : l.withPruning(p);
    });
  }

  static SensitivityTargets of(SensitivityReport report, double total, long size, long[] pruned) {
    List<SensitivityReport.LayerCurve> layers = report.layers();
    float[] sparsities = new float[layers.size()];
    long[] kept = new long[layers.size()];
    for (int j = 0; j < layers.size(); j++) {
      long want = layers.get(j).size() - pruned[j];
      sparsities[j] = pruned[j] == 0 ? 0f : sparsityKeeping(layers.get(j), want);
      kept[j] = keptAt(layers.get(j), sparsities[j]);
    }
    // A multi-weight layer may miss its count by the per-tensor rounding: move the difference to
    // single-weight layers, the cheapest way round (the smallest change in sparsity).
    long target = MaskStrategy.keepCount(size, (float) total);
    long diff = target - java.util.Arrays.stream(kept).sum();
    for (int j = 0; j < layers.size() && diff != 0; j++) {
      SensitivityReport.LayerCurve c = layers.get(j);
      if (c.weights().size() != 1 || sparsities[j] == 0f) {
        continue;
      }
      long want = Math.max(1, Math.min(c.size(), kept[j] + diff));
      sparsities[j] = sparsityKeeping(c, want);
      long now = keptAt(c, sparsities[j]);
      diff -= now - kept[j];
      kept[j] = now;
    }
    Map<String, Double> sparsity = new LinkedHashMap<>();
    Map<String, Long> keptBy = new LinkedHashMap<>();
    Map<String, Double> drops = new LinkedHashMap<>();
    for (int j = 0; j < layers.size(); j++) {
      String name = layers.get(j).layer();
      sparsity.put(name, (double) sparsities[j]);
      keptBy.put(name, kept[j]);
      drops.put(name, report.predictedDrop(name, layers.get(j).size() - kept[j]));
    }
    return new SensitivityTargets(total, size, sparsity, keptBy, drops);
  }

  /** The per-tensor keep counts of the layer's weights at {@code s}, summed. */
  static long keptAt(SensitivityReport.LayerCurve layer, float s) {
    long kept = 0;
    for (long n : layer.weights().values()) {
      kept += s == 0f ? n : MaskStrategy.keepCount(n, s);
    }
    return kept;
  }

  /**
   * {@code 1 - want / size} if the layer keeps exactly {@code want} there, else the smallest float32
   * sparsity at which it keeps at most {@code want} (keep counts fall as the sparsity rises; for
   * non-negative floats the bit pattern orders like the value).
   */
  static float sparsityKeeping(SensitivityReport.LayerCurve layer, long want) {
    float natural = (float) (1 - (double) want / layer.size()); // the readable answer when it is exact
    if (natural < 1f && keptAt(layer, natural) == want) {
      return natural;
    }
    int lo = 0;
    int hi = Float.floatToRawIntBits(Math.nextDown(1f));
    if (keptAt(layer, Float.intBitsToFloat(hi)) > want) {
      return Float.intBitsToFloat(hi);
    }
    while (lo < hi) {
      int mid = lo + (hi - lo) / 2;
      if (keptAt(layer, Float.intBitsToFloat(mid)) <= want) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return Float.intBitsToFloat(lo);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "targets for total %s (kept %d of %d, %.4f):%n",
        total, totalKept(), size, achievedSparsity()));
    sparsity.forEach((layer, s) -> b.append(String.format(Locale.ROOT, "  %-20s %.4f  kept %d  predicted drop %.4f%n",
        layer, s, kept.get(layer), predictedDrop.get(layer))));
    return b.toString();
  }
}
