/** Attention layers. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers.attention;

import org.jspecify.annotations.NullMarked;
