/** Pruning schedules: step to (prune now?, sparsity), in Java and as ops. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.ops.schedule;

import org.jspecify.annotations.NullMarked;
