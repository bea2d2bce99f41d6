/** Compile and fit settings: optimizers, losses, metrics, callbacks, progress. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.training;

import org.jspecify.annotations.NullMarked;
