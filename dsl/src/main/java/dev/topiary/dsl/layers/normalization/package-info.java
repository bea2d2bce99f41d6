/** Batch and layer normalization. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers.normalization;

import org.jspecify.annotations.NullMarked;
