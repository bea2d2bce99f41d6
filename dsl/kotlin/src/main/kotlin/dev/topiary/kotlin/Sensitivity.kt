package dev.topiary.kotlin

import dev.topiary.dsl.Model
import dev.topiary.dsl.ModelSpec
import dev.topiary.dsl.PruningPolicy
import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.pruning.Sensitivity
import dev.topiary.dsl.pruning.SensitivityReport
import dev.topiary.ops.schedule.PruningSchedule

/**
 * Sensitivity analysis of this trained model on [validation]: each of [layers] (all prunable layers
 * when null) pruned alone, one-shot, at each sparsity of [grid]; [metric] is the log key compared.
 * The model's state is unchanged afterwards.
 */
fun Model.sensitivity(
    validation: Dataset,
    grid: List<Double> = Sensitivity.DEFAULT_GRID,
    metric: String = "loss",
    layers: List<String>? = null,
): SensitivityReport {
  var s = Sensitivity.defaults().grid(*grid.toDoubleArray()).metric(metric)
  if (layers != null) s = s.layers(PruningPolicy.named(*layers.toTypedArray()))
  return s.run(this, validation)
}

/**
 * [spec] with each analysed layer pruned along `schedule(target)`, the per-layer targets reaching
 * [total] sparsity over the analysed weights exactly with the least predicted drop.
 */
fun SensitivityReport.prune(spec: ModelSpec, total: Double, schedule: (Double) -> PruningSchedule): ModelSpec =
    targets(total).applyTo(spec) { schedule(it) }
