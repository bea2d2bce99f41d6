/**
 * Pruning decisions made from a trained model: per-layer sensitivity analysis and the per-layer
 * targets it derives. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.topiary.dsl.pruning;

import org.jspecify.annotations.NullMarked;
