/** Layers joining two or more inputs: element-wise merges, Concatenate, Dot. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers.merging;

import org.jspecify.annotations.NullMarked;
