package dev.topiary.kotlin

import dev.topiary.dsl.ModelSpec
import dev.topiary.dsl.PruningPolicy
import dev.topiary.ops.GlobalPruningSpec
import dev.topiary.ops.schedule.PruningSchedule

/**
 * A global pruning group: one [schedule], one ranking over all the group's magnitudes, the group
 * keeping exactly its total; per-weight floors [keepAtLeast] and [atMostSparsity] (1.0: none).
 */
fun globalPruning(
    schedule: PruningSchedule,
    name: String = GlobalPruningSpec.DEFAULT_NAME,
    normalization: GlobalPruningSpec.Normalization = GlobalPruningSpec.Normalization.NONE,
    keepAtLeast: Long = 0,
    atMostSparsity: Double = 1.0,
): GlobalPruningSpec =
    GlobalPruningSpec(name, schedule, normalization, keepAtLeast, atMostSparsity.toFloat())

/** This model with the prunable weights of [layers] (all prunable layers when null) pruned as [group]. */
fun ModelSpec.prunedGlobally(group: GlobalPruningSpec, layers: List<String>? = null): ModelSpec =
    if (layers == null) prunedGlobally(group) else prunedGlobally(group, PruningPolicy.named(*layers.toTypedArray()))
