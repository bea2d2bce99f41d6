/** Immutable layer specifications. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers;

import org.jspecify.annotations.NullMarked;
