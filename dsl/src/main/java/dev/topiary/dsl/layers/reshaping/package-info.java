/** Layers that only move values: flatten, reshape, permute, repeat, crop, pad, up-sample. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers.reshaping;

import org.jspecify.annotations.NullMarked;
